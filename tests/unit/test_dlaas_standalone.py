"""The half of DLaaS the command kernel runs inside a job loads nothing of the platform."""

import subprocess
import sys

import pytest

PLATFORM = ("vlad.server", "vlad.cli", "vlad.executors", "vlad.devtools", "sqlalchemy", "fastapi", "uvicorn")


@pytest.mark.parametrize("modules", ["vlad.dlaas.archive, vlad.dlaas.command", "vlad.dlaas.manifest"])
def test_standalone_dlaas_imports_nothing_of_the_platform(modules: str):
    code = f"import sys, {modules}; print(sorted(m for m in sys.modules if m.startswith({PLATFORM!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
