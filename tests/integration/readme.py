"""The README's commands, read from README.md itself, and a fresh copy of the repository to run them in."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Command:
    line: str  # as written in the README, continuation lines joined
    comment: str  # the comment at its end, if any

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.line, comments=True)


def section_blocks(readme: str, heading: str) -> list[str]:
    """The ```bash blocks under `heading` (a line such as '## Using the platform'), up to the next heading."""
    lines = readme.splitlines()
    start = lines.index(heading) + 1
    level = heading.split(" ", 1)[0]
    end = next(
        (
            i
            for i in range(start, len(lines))
            if re.match(rf"#{{1,{len(level)}}} ", lines[i]) and not _in_fence(lines, i)
        ),
        len(lines),
    )
    text = "\n".join(lines[start:end])
    return re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)


def _in_fence(lines: list[str], index: int) -> bool:
    return sum(1 for line in lines[:index] if line.startswith("```")) % 2 == 1


def commands(block: str) -> list[Command]:
    """Each command line of a block: continuations joined, comment lines dropped."""
    found: list[Command] = []
    pending = ""
    for raw in block.splitlines():
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        code, _, comment = full.partition(" #")
        found.append(Command(code.strip(), comment.strip()))
    return found


def make_run_command(makefile: str) -> list[str]:
    """The command `make run` runs (its recipe's `vlad up` line), with `$(VENV)` as the Makefile sets it."""
    venv = re.search(r"^VENV \?= (\S+)$", makefile, flags=re.M).group(1)
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    line = next(line.strip() for line in recipe.splitlines() if " up " in line)
    return shlex.split(line.replace("$(VENV)", venv).replace("$(ARGS)", ""))


def fresh_copy(target: Path) -> Path:
    """The repository's files as a clone would have them (tracked and not ignored), `.venv` linked in."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(REPO / ".venv")
    return target
