"""What a check found: one line per rule, and the whole report as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from vlad.conformance.rules import RULES


@dataclass
class Check:
    """One rule's verdict. `advice` checks never fail the kernel, whatever `ok` says."""

    name: str
    ok: bool
    detail: str
    advice: bool = False

    @property
    def failed(self) -> bool:
        return not self.ok and not self.advice


def verdict(name: str, problems: list[str], passed: str, *, advice: bool = False) -> Check:
    """A check from the problems found: the first few of them and the rule's words when
    there are any, `passed` when there are none."""
    if not problems:
        return Check(name, True, passed, advice)
    shown = problems[:5]
    more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
    rule = RULES[name].spec if name in RULES else ""
    detail = "; ".join(shown) + more + (f". Rule: {rule}" if rule else "")
    return Check(name, False, detail, advice)


@dataclass
class Report:
    kernel: str
    checks: list[Check] = field(default_factory=list)
    work_dir: str = ""  # the runs' folders (configs, outputs, logs), kept for reading

    @property
    def ok(self) -> bool:
        return not any(check.failed for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.failed]

    def as_dict(self) -> dict[str, Any]:
        return {"kernel": self.kernel, "ok": self.ok, "checks": [asdict(c) for c in self.checks]}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def lines(self) -> list[str]:
        """The report for a person: PASS / FAIL / ADVICE, the rule's title, and what was seen."""
        out = []
        for check in self.checks:
            mark = "PASS" if check.ok else ("ADVICE" if check.advice else "FAIL")
            title = RULES[check.name].title if check.name in RULES else check.name
            out.append(f"{mark:6} {check.name}: {title}")
            if not check.ok or check.advice:
                out.append(f"       {check.detail}")
        failed = len(self.failed)
        out.append(
            f"{self.kernel}: {'all checks passed' if not failed else f'{failed} check(s) failed'}"
            + (f"; runs kept in {self.work_dir}" if self.work_dir else "")
        )
        return out
