"""Status ingestion: the queue consumer and how it applies status messages in batches."""
