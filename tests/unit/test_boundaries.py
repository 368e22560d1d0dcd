"""The kernel SDK stands alone: importing it loads nothing of the platform."""

import subprocess
import sys

FORBIDDEN = (
    "vlad.server",
    "vlad.cli",
    "vlad.executors",
    "vlad.devtools",
    "sqlalchemy",
    "fastapi",
    "alembic",
    "typer",
    "httpx",
    "uvicorn",
)


def test_kernel_sdk_imports_nothing_of_the_server():
    code = (
        "import sys, vlad.kernel, vlad.contract; "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} "
        f"or m.startswith({FORBIDDEN!r})]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
