"""Upload a folder to a bucket of an S3-compatible service (the bucket is created when missing).

    python examples/dlaas/upload_data.py /tmp/digits digits-data
    python examples/dlaas/upload_data.py --create-only digits-results

The service and keys come from VLAD_S3_ENDPOINT_URL, VLAD_S3_ACCESS_KEY_ID and
VLAD_S3_SECRET_ACCESS_KEY (what `python -m vlad.devtools.s3server` prints).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vlad.storage import ObjectStore, S3Connection, S3Location, StorageError, TransferLog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("bucket")
    parser.add_argument("--create-only", action="store_true", help="only create the bucket")
    args = parser.parse_args()
    try:
        connection = S3Connection(
            endpoint_url=os.environ["VLAD_S3_ENDPOINT_URL"],
            access_key_id=os.environ["VLAD_S3_ACCESS_KEY_ID"],
            secret_access_key=os.environ["VLAD_S3_SECRET_ACCESS_KEY"],
        )
    except KeyError as exc:
        sys.exit(f"set {exc.args[0]} (python -m vlad.devtools.s3server prints the three settings)")
    store = ObjectStore(connection)
    try:
        store.create_bucket(args.bucket)
        if args.create_only:
            print(f"bucket {args.bucket} is ready at {connection.endpoint_url}")
            return
        if args.folder is None or not args.folder.is_dir():
            sys.exit(f"{args.folder} is not a folder")
        store.upload_folder(
            args.folder, S3Location(args.bucket), TransferLog(print, "uploaded", str(args.folder))
        )
    except StorageError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
