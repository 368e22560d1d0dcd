"""A real S3-compatible server (SeaweedFS) for the tests: free ports, own data folder and keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vlad.devtools.s3server import SeaweedS3
from vlad.storage import ObjectStore, S3Connection


@contextmanager
def s3_server(data_dir: Path) -> Iterator[SeaweedS3]:
    """`weed mini` on 127.0.0.1, answering with its keys; stopped when the block ends."""
    with SeaweedS3(data_dir) as server:
        yield server


def connection(server: SeaweedS3, **changes: str) -> S3Connection:
    values = {
        "endpoint_url": server.endpoint_url,
        "access_key_id": server.access_key_id,
        "secret_access_key": server.secret_access_key,
        **changes,
    }
    return S3Connection.model_validate(values)


def store(server: SeaweedS3) -> ObjectStore:
    return ObjectStore(connection(server))


def make_bucket(server: SeaweedS3, name: str) -> str:
    store(server).create_bucket(name)
    return name
