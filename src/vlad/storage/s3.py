"""S3-compatible object storage over boto3: check a bucket, list, download a prefix, upload a folder.

Every failure becomes a `StorageError` whose text a person can act on (which bucket, which
endpoint, which key was refused). Secrets never appear in it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from pydantic import BaseModel, ConfigDict, SecretStr

# files done, files in all, bytes done, bytes in all; called from worker threads, one call at a time.
Progress = Callable[[int, int, int, int], None]
BIG_OBJECT = 64 * 1024**2  # larger objects are moved in parallel parts
PARALLEL_PARTS = TransferConfig(max_concurrency=4)
ErrorKind = Literal["endpoint", "credentials", "bucket", "denied", "key", "other"]


class StorageError(Exception):
    """Object storage refused or failed; `kind` says which part of the settings was wrong."""

    def __init__(self, message: str, kind: ErrorKind = "other") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class S3Connection(BaseModel):
    """Where an S3-compatible service answers and the keys to use (the secret is never shown)."""

    model_config = ConfigDict(frozen=True)

    endpoint_url: str
    access_key_id: str
    secret_access_key: SecretStr
    region: str = "us-east-1"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str = ""  # a "folder": no leading or trailing slash

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """`s3://bucket` or `s3://bucket/some/prefix`."""
        if not url.startswith("s3://"):
            raise ValueError(f"{url!r} is not an S3 location; expected s3://bucket/prefix")
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"{url!r} names no bucket; expected s3://bucket/prefix")
        return cls(bucket, prefix.strip("/"))

    def child(self, name: str) -> S3Location:
        return S3Location(self.bucket, f"{self.prefix}/{name}".strip("/"))

    @property
    def key_prefix(self) -> str:
        """What keys under this location start with ("" for a whole bucket)."""
        return f"{self.prefix}/" if self.prefix else ""

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class ObjectStore:
    """One S3 connection. Thread-safe; transfers run `workers` objects at a time."""

    def __init__(self, connection: S3Connection, workers: int = 8) -> None:
        self.connection = connection
        self.workers = max(1, workers)
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return self.connection.endpoint_url

    def client(self, attempts: int = 3) -> Any:
        if attempts != 3:  # checks answer fast rather than retry
            return self._new_client(attempts)
        with self._lock:
            if self._client is None:
                self._client = self._new_client(attempts)
            return self._client

    def _new_client(self, attempts: int) -> Any:
        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": attempts, "mode": "standard"},
            s3={"addressing_style": "path"},  # custom endpoints rarely resolve bucket host names
            # S3-compatible servers do not all know the newer checksum headers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=max(10, self.workers * 2),
        )
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.connection.endpoint_url,
            aws_access_key_id=self.connection.access_key_id,
            aws_secret_access_key=self.connection.secret_access_key.get_secret_value(),
            region_name=self.connection.region,
            config=config,
        )

    # -- checks and listing ------------------------------------------------------------------
    def check_bucket(self, bucket: str) -> bool:
        """Raise StorageError unless the keys work and `bucket` exists and can be listed;
        True when it holds at least one object."""
        try:
            answer = self.client(attempts=1).list_objects_v2(Bucket=bucket, MaxKeys=1)
        except (ClientError, BotoCoreError) as exc:
            raise self.explain(exc, bucket) from exc
        return bool(answer.get("KeyCount") or answer.get("Contents"))

    def create_bucket(self, bucket: str) -> None:
        """Create `bucket` unless it exists already (and is ours)."""
        try:
            self.client().create_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                raise self.explain(exc, bucket) from exc
        except BotoCoreError as exc:
            raise self.explain(exc, bucket) from exc

    def list(self, location: S3Location) -> list[ObjectInfo]:
        """Every object under `location` (folder markers, keys ending in '/', left out)."""
        try:
            return list(self._iter(location))
        except (ClientError, BotoCoreError) as exc:
            raise self.explain(exc, location.bucket) from exc

    def _iter(self, location: S3Location) -> Iterator[ObjectInfo]:
        paginator = self.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=location.bucket, Prefix=location.key_prefix):
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    yield ObjectInfo(item["Key"], int(item["Size"]))

    # -- transfers ---------------------------------------------------------------------------
    def download(
        self, location: S3Location, folder: Path, progress: Progress | None = None
    ) -> tuple[int, int]:
        """Download every object under `location` into `folder`, keeping the key's path
        below the prefix; returns (files, bytes). A key that would land outside `folder`
        (`../x`, `/x`) is refused before anything is written."""
        objects = self.list(location)
        root = folder.resolve()
        targets = []
        for obj in objects:
            relative = obj.key[len(location.key_prefix) :]
            target = (root / relative).resolve()
            if not relative or relative.startswith("/") or not target.is_relative_to(root):
                raise StorageError(
                    f"object {obj.key!r} in bucket {location.bucket!r} would be written outside "
                    "the download folder; rename it to a plain relative path",
                    "key",
                )
            targets.append((obj, target))
        client = self.client()

        def fetch(obj: ObjectInfo, target: Path) -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            if obj.size >= BIG_OBJECT:
                client.download_file(location.bucket, obj.key, str(target), Config=PARALLEL_PARTS)
                return
            # A managed transfer costs more than a small object takes to fetch.
            body = client.get_object(Bucket=location.bucket, Key=obj.key)["Body"]
            partial = target.with_name(target.name + ".part")
            with partial.open("wb") as out:
                shutil.copyfileobj(body, out, 1024 * 1024)
            partial.replace(target)

        return self._run(
            [(lambda o=o, t=t: fetch(o, t), o.size) for o, t in targets], progress, location.bucket
        )

    def upload_folder(
        self, folder: Path, location: S3Location, progress: Progress | None = None
    ) -> tuple[int, int]:
        """Upload every file under `folder` to `location/<relative path>`; returns (files, bytes)."""
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        return self.upload_files(
            [(p, location.child(p.relative_to(folder).as_posix()).prefix) for p in files],
            location.bucket,
            progress,
        )

    def upload_files(
        self, files: list[tuple[Path, str]], bucket: str, progress: Progress | None = None
    ) -> tuple[int, int]:
        """Upload (path, key) pairs to `bucket`; returns (files, bytes)."""
        client = self.client()

        def put(path: Path, key: str) -> None:
            if path.stat().st_size >= BIG_OBJECT:
                client.upload_file(str(path), bucket, key, Config=PARALLEL_PARTS)
                return
            with path.open("rb") as body:
                client.put_object(Bucket=bucket, Key=key, Body=body)

        return self._run([(lambda p=p, k=k: put(p, k), p.stat().st_size) for p, k in files], progress, bucket)

    def _run(
        self, tasks: list[tuple[Callable[[], None], int]], progress: Progress | None, bucket: str
    ) -> tuple[int, int]:
        total_files, total_bytes = len(tasks), sum(size for _, size in tasks)
        done = [0, 0]
        lock = threading.Lock()
        if progress is not None:
            progress(0, total_files, 0, total_bytes)

        def one(task: Callable[[], None], size: int) -> None:
            task()
            with lock:
                done[0] += 1
                done[1] += size
                if progress is not None:
                    progress(done[0], total_files, done[1], total_bytes)

        try:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="vlad-s3") as pool:
                for future in [pool.submit(one, task, size) for task, size in tasks]:
                    future.result()
        except (ClientError, BotoCoreError, OSError) as exc:
            raise self.explain(exc, bucket) from exc
        return total_files, total_bytes

    # -- errors ------------------------------------------------------------------------------
    def explain(self, exc: BaseException, bucket: str) -> StorageError:
        at, key = self.endpoint, self.connection.access_key_id
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, EndpointConnectionError):
            return StorageError(
                f"cannot reach the S3 endpoint {at}: is the address right and the service running?",
                "endpoint",
            )
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchBucket", "404") or (status == 404 and "Bucket" in code):
                return StorageError(f"bucket {bucket!r} does not exist at {at}", "bucket")
            if code in ("InvalidAccessKeyId", "InvalidClientTokenId"):
                return StorageError(f"access key {key!r} refused by {at}: no such access key", "credentials")
            if code == "SignatureDoesNotMatch":
                return StorageError(
                    f"access key {key!r} refused by {at}: the secret access key does not match it",
                    "credentials",
                )
            if code in ("AccessDenied", "403", "AllAccessDisabled") or status == 403:
                return StorageError(
                    f"access key {key!r} refused by {at}: access to bucket {bucket!r} is denied",
                    "denied",
                )
            return StorageError(f"S3 at {at} refused ({code or status}): {error.get('Message', exc)}")
        return StorageError(f"S3 at {at} failed: {type(exc).__name__}: {exc}")
