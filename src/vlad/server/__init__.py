"""The training platform: REST API, status ingestion, job launching."""
