"""`vlad up`: the whole platform in one process, with embedded defaults.

SQLite under the data folder, the local-process executor, the broker of
`$VLAD_BROKER_URL` (or one on 127.0.0.1:5672, or a private node started here). On
first start: a default project, the reference kernel and the demo dataset.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import uvicorn
from sqlalchemy import select

from vlad.clientconfig import save_config
from vlad.server.app import create_app
from vlad.server.broker import broker
from vlad.server.bundled import bundled_kernel
from vlad.server.models import Kernel
from vlad.server.platform import Platform
from vlad.server.services import datasets, kernels, projects
from vlad.server.services.access import Role
from vlad.server.services.errors import ServiceError
from vlad.server.settings import Settings

log = logging.getLogger("vlad.up")
DEFAULT_PROJECT = "default"
REFERENCE_KERNEL = "image_classification"


def bootstrap(platform: Platform) -> str:
    """Create what a first start needs; return a fresh admin token for this machine's CLI and browser."""
    settings = platform.settings
    with platform.db.session() as session:
        project = projects.get_by_name(session, DEFAULT_PROJECT)
        if project is None:
            project, _ = projects.create_project(session, DEFAULT_PROJECT)
        # The person who starts the platform administers it: they get an admin token.
        _row, token = projects.create_token(session, project, "vlad up", Role.ADMIN)
        has_kernel = session.scalar(select(Kernel.id).where(Kernel.project_id == project.id).limit(1))
        reference = bundled_kernel(REFERENCE_KERNEL)
        if not has_kernel and reference.is_dir():
            kernels.register(session, project, path=str(reference))
        demo = settings.data_dir / "demo" / "digits"
        if not demo.is_dir():
            from vlad.demo.digits import write_digits_dataset

            write_digits_dataset(demo)
        with contextlib.suppress(ServiceError):  # registered already
            datasets.register(
                session,
                project,
                "digits",
                "classification",
                str(demo),
                "scikit-learn's digits as 8x8 images, split into train/ and val/",
            )
    return token


def write_cli_config(url: str, token: str) -> Path:
    """Save the server's URL and `token` where this machine's CLI looks for them."""
    return save_config(url, token)


def serve(settings: Settings) -> None:
    logging.basicConfig(
        level=os.environ.get("VLAD_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("pika", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configured = settings.broker_url.get_secret_value() if settings.broker_url else None
    with broker(configured, data_dir=settings.data_dir / "rabbitmq") as url:
        platform = Platform(settings, url).start()
        try:
            token = bootstrap(platform)
            base = f"http://{settings.host}:{settings.port}"
            config = write_cli_config(base, token)
            # The token is printed for the person who started the platform, as Jupyter does;
            # it is never logged.
            print(
                f"\nVLAD is up.\n  Web UI:  {base}/?token={token}\n"
                f"  API:     {base}/docs  (Authorize with the token below)\n"
                f"  token:   {token}  (admin: `vlad token create NAME` makes member tokens)\n"
                f"  CLI:     `vlad models list` (server and token saved in {config})\n",
                flush=True,
            )
            uvicorn.run(create_app(platform), host=settings.host, port=settings.port, log_level="warning")
        finally:
            platform.stop()
