"""Waivers: a finding accepted for a while, by a named owner, for a stated reason.

```yaml
waivers:
  - rule: IOS-BGP-001            # a baseline rule id, DRIFT (config drift), MISSING (part not collected) or
                                 # UNVERIFIABLE (a part no device can return: its rules were not checked)
    devices: ["*-agg-0?"]        # shell globs on device names (default: every device)
    part: cfg                    # optional: only findings in this part
    section: "router bgp *"      # optional glob on the section (DRIFT findings)
    owner: nguyen.van.an@hanoi.gov.vn
    reason: rollout wave 3: BGP MD5 keys are distributed with the wave's maintenance window
    expires: 2027-03-31          # the finding fails again from this day on
```

A waived finding is reported (as waived, with owner and expiry) and does not fail the run; once
`expires` is reached it fails again and the report says the waiver expired.
"""

import difflib
import fnmatch
from datetime import date
from pathlib import Path

from pydantic import Field

from citynet_models.base import NetopsModel
from citynet_models.problems import Problem
from netops.errors import InputError
from netops.intent.loader import check_document, display_path
from netops.intent.yamlsource import YamlInputError, read_yaml

#: Findings that are not baseline rules.
DRIFT, MISSING, UNVERIFIABLE = "DRIFT", "MISSING", "UNVERIFIABLE"
NOT_RULES = frozenset({DRIFT, MISSING, UNVERIFIABLE})


class Waiver(NetopsModel):
    """One accepted finding, until its expiry."""

    rule: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", description="Rule id, DRIFT, MISSING or UNVERIFIABLE")
    devices: list[str] = Field(default_factory=lambda: ["*"], min_length=1, description="Device name globs")
    part: str | None = Field(default=None, description="Only findings in this config part")
    section: str | None = Field(default=None, description="Glob on the finding's section")
    owner: str = Field(min_length=3, description="Who answers for it (a person or team, with contact)")
    reason: str = Field(min_length=10, description="Why the finding is accepted, and until what")
    expires: date = Field(description="First day the finding fails again (YYYY-MM-DD)")

    def covers(self, rule: str, device: str, part: str, section: str) -> bool:
        """Whether the waiver is about this finding (expired or not)."""
        return (rule == self.rule and any(fnmatch.fnmatchcase(device, glob) for glob in self.devices)
                and (self.part is None or self.part == part)
                and (self.section is None or fnmatch.fnmatchcase(section, self.section)))

    def expired(self, today: date) -> bool:
        """Whether the finding fails again."""
        return today >= self.expires


class WaiverFile(NetopsModel):
    """A waiver file: one key, `waivers:`, holding the list."""

    waivers: list[Waiver] = Field(default_factory=list, description="The accepted findings")


def load_waivers(path: Path | None, known_rules: set[str] | None) -> tuple[Waiver, ...]:
    """The waivers of a file (none without one); InputError with file:line for each mistake.

    `known_rules`: the baseline's rule ids, to catch typos (None: the baseline did not load, skip that check).
    """
    if path is None:
        return ()
    try:
        document = read_yaml(path, display_path(path))
    except YamlInputError as error:
        raise InputError([error.problem]) from error
    problems: list[Problem] = []
    waiver_file = check_document(WaiverFile, document, problems)
    # Rule ids are checked on what was written, so that a typo shows beside the schema's errors.
    items = document.data.get("waivers") if isinstance(document.data, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        rule = item.get("rule") if isinstance(item, dict) else None
        if known_rules is not None and isinstance(rule, str) and rule not in known_rules | NOT_RULES:
            close = difflib.get_close_matches(rule, sorted(known_rules | NOT_RULES), n=3)
            problems.append(Problem(path=("waivers", f"[{index}]", "rule"), message="unknown rule",
                                    expected="a baseline rule id, DRIFT, MISSING or UNVERIFIABLE", found=repr(rule),
                                    hint=f"rules like it: {', '.join(close)}" if close else
                                    "the rule ids are in netops/compliance/baseline/<platform>.yml",
                                    location=document.location(("waivers", index, "rule"))))
    if problems or waiver_file is None:
        raise InputError(problems)
    return tuple(waiver_file.waivers)
