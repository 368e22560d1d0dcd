"""A manifest's `execution.command`: split like a shell would, `${DATA_DIR}` and friends expanded.

No shell runs it: no pipes, globs or redirections; quotes group words as in a shell.
Standard library only (the command kernel uses it).
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

# What a command may name: DLaaS's DATA_DIR and RESULT_DIR, and the unpacked code's folder.
VARIABLES = ("DATA_DIR", "RESULT_DIR", "MODEL_DIR")
_REFERENCE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
PYTHONS = ("python", "python3")


class CommandError(ValueError):
    """The command cannot be run; the text says why."""


def split_command(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise CommandError(f"execution.command cannot be split into words: {exc}") from exc
    if not argv:
        raise CommandError("execution.command is empty; accepted: a program and its arguments")
    return argv


def expand(argv: list[str], values: dict[str, str]) -> list[str]:
    """Replace `${NAME}` and `$NAME` for the names in `values`; anything else stays as written."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values.get(name, match.group(0))

    return [_REFERENCE.sub(one, arg) for arg in argv]


def program_file(argv: list[str]) -> str | None:
    """The file of the model definition the command runs, when it names one:
    `python3 train.py ...` -> `train.py`, `./run.sh` -> `run.sh`; None for `python -m x`."""
    first = argv[0]
    if first in PYTHONS:
        script = argv[1] if len(argv) > 1 else ""
        if not script or script.startswith("-") or "$" in script:
            return None
        first = script
    elif "/" not in first or "$" in first or first.startswith("/"):
        return None  # a program on the PATH, or an absolute one
    return str(PurePosixPath(first))
