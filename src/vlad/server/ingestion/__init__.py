"""Status ingestion: the queue consumer and the watcher of job processes."""
