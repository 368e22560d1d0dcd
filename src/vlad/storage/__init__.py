"""Object storage for the platform: S3-compatible services through boto3.

Used for datasets registered as `s3://bucket/prefix` (downloaded into a job's
`dataset_path` before its kernel starts) and by DLaaS jobs (their data bucket, and the
results bucket their model and logs are written to when they end).
"""

from vlad.storage.progress import TransferLog, log_writer
from vlad.storage.s3 import ObjectInfo, ObjectStore, Progress, S3Connection, S3Location, StorageError

__all__ = [
    "ObjectInfo",
    "ObjectStore",
    "Progress",
    "S3Connection",
    "S3Location",
    "StorageError",
    "TransferLog",
    "log_writer",
]
