"""Where the CLI finds the server and its token: `$VLAD_URL` / `$VLAD_TOKEN`, else a config file."""

from __future__ import annotations

import json
import os
from pathlib import Path


def config_path() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return Path(os.environ.get("VLAD_CLI_CONFIG") or base / "vlad" / "config.json")


def save_config(url: str, token: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps({"url": url, "token": token}, indent=2))
    return path


def load_config() -> tuple[str, str | None]:
    stored: dict[str, str] = {}
    path = config_path()
    if path.is_file():
        stored = json.loads(path.read_text())
    url = os.environ.get("VLAD_URL") or stored.get("url") or "http://127.0.0.1:8000"
    return url.rstrip("/"), os.environ.get("VLAD_TOKEN") or stored.get("token")
