"""Where the CLI finds the server and its token: `$VLAD_URL` / `$VLAD_TOKEN`, else a config file.

`vlad up` writes the file (the platform it started, an admin token) and the CLI reads it, so
the file's place and format live here, below both: the server must not import the CLI, and
the kernel contract (`vlad.contract`, what kernels see) has no business with it. Standard
library only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def config_path() -> Path:
    """`$VLAD_CLI_CONFIG`, else `vlad/config.json` under `$XDG_CONFIG_HOME` (or `~/.config`)."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return Path(os.environ.get("VLAD_CLI_CONFIG") or base / "vlad" / "config.json")


def save_config(url: str, token: str) -> Path:
    """Write the server's URL and a token to the config file (mode 0600); return its path."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps({"url": url, "token": token}, indent=2))
    return path


def load_config() -> tuple[str, str | None]:
    """The server's URL (no trailing slash) and the token, if any: the environment first,
    then the config file, then a platform on this machine's default port."""
    stored: dict[str, str] = {}
    path = config_path()
    if path.is_file():
        stored = json.loads(path.read_text())
    url = os.environ.get("VLAD_URL") or stored.get("url") or "http://127.0.0.1:8000"
    return url.rstrip("/"), os.environ.get("VLAD_TOKEN") or stored.get("token")
