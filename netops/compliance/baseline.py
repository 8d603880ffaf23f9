"""The security baseline and the masks of a platform, as YAML (netops/compliance/baseline/<platform>.yml).

A rule checks one part of a device's config (`cfg`, or FRR's `nft`, host files, `dhcrelay`) in the sections
its `scope` selects (a path of regular expressions from the top; none: the top level):

- `scope_required`: a config without any such section violates the rule (else the rule does not apply);
- `when` / `unless`: only sections with (without) a direct child matching one of these;
- `require`: each pattern must match a direct child of every selected section;
- `forbid`: no line anywhere inside a selected section (or the whole part, at the top) may match.

Patterns may name model values: `{ntp}`, `{syslog}`, `{monitoring}`, `{aaa}` (the addresses of the hosts of
those data-center services; the pattern then applies once per host, and a rule whose values are all
missing from the model is not applicable). A rule that finds its scope absent passes: a device with no
BGP has no BGP session to protect.

Masks are applied to intended and actual text alike, before anything else: a `secret` mask replaces its
group with `<secret>` (`<secret:default>` when the value is a well-known default password), a `volatile`
mask drops or rewrites what changes by itself (timestamps, counters, hashes the device recomputes).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from citynet_models.base import NetopsModel
from citynet_models.problems import Location, Problem
from citynet_models.types import Platform
from netops.errors import InputError
from netops.intent.loader import load_model_file

BASELINE_DIR = Path(__file__).parent / "baseline"
#: Model values a pattern may name.
PLACEHOLDERS = ("ntp", "syslog", "monitoring", "aaa")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
SECRET = "<secret>"
DEFAULT_SECRET = "<secret:default>"
#: Values that are never a real secret: vendor defaults and the classic guesses.
DEFAULT_PASSWORDS = frozenset({"admin", "cisco", "password", "public", "private", "zebra", "huawei",
                               "admin@123", "admin@huawei.com", "changeme", "123456", "12345678", "root",
                               "secret", "default", "enable", "manager", "test", "testing123"})


class Severity(StrEnum):
    """How bad a finding is."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


Part = Literal["cfg", "nft", "snmpd", "chrony", "rsyslog", "sshd", "banner", "radius", "keepalived", "dhcrelay"]
RuleId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")]


def _compiles(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(_PLACEHOLDER.sub("x", pattern))
        except re.error as error:
            raise ValueError(f"not a regular expression: {pattern!r} ({error})") from error
    return patterns


class Mask(NetopsModel):
    """A line pattern whose secret or volatile part is hidden before comparing and reporting."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Mask name, for the docs and errors")
    part: Part = Field(default="cfg", description="Config part the mask applies to")
    kind: Literal["secret", "volatile"] = Field(description="secret: hide a value; volatile: drop or rewrite")
    pattern: str = Field(description="Regular expression searched in every line (MULTILINE, ^ and $ per line)")
    group: int = Field(default=0, ge=0, description="secret: the group holding the value (0: the whole match)")
    replace: str = Field(default="", description="volatile: replacement of the match (may use \\1 ...); "
                                                 "a line left blank is dropped")
    description: str = Field(default="", description="What the mask hides and why")

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        _compiles([value])
        return value

    @model_validator(mode="after")
    def _group_exists(self) -> "Mask":
        if self.group > re.compile(self.pattern).groups:
            raise ValueError(f"group {self.group} does not exist in pattern {self.pattern!r}")
        return self


class Rule(NetopsModel):
    """One baseline rule."""

    id: RuleId = Field(description="Stable rule id, e.g. IOS-SSH-001 (what reports and waivers name)")
    severity: Severity = Field(description="critical, high, medium or low")
    description: str = Field(min_length=1, description="What the rule demands, for people")
    part: Part = Field(default="cfg", description="Config part checked")
    scope: list[str] = Field(default_factory=list, description="Section path (regexes from the top); none: top")
    scope_required: bool = Field(default=False, description="A config without any such section violates the rule "
                                                            "(default: the rule does not apply to it)")
    when: list[str] = Field(default_factory=list, description="Only sections with a child matching one of these")
    unless: list[str] = Field(default_factory=list, description="Skip sections with a child matching one of these")
    require: list[str] = Field(default_factory=list, description="Each must match a direct child")
    forbid: list[str] = Field(default_factory=list, description="None may match any line inside")
    remediation: list[str] = Field(default_factory=list, description="Commands that fix a violation (may use "
                                                                   "the placeholders)")

    @field_validator("scope", "when", "unless", "require", "forbid")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        return _compiles(value)

    @model_validator(mode="after")
    def _checks_something(self) -> "Rule":
        if not self.require and not self.forbid:
            raise ValueError("a rule needs `require` or `forbid` patterns")
        return self


class Baseline(NetopsModel):
    """The baseline file of one platform."""

    platform: Platform = Field(description="Platform the file is for (the file name repeats it)")
    masks: list[Mask] = Field(default_factory=list, description="Masks, applied in order")
    rules: list[Rule] = Field(description="Baseline rules")

    @model_validator(mode="after")
    def _unique_ids(self) -> "Baseline":
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id} appears twice")
            seen.add(rule.id)
        return self


def load_baseline(path: Path) -> Baseline:
    """One baseline file, or InputError with file:line for each mistake."""
    return load_model_file(path, Baseline, "baseline")


def load_baselines(directory: Path = BASELINE_DIR) -> dict[Platform, Baseline]:
    """Every platform's baseline; every file's errors collected before raising."""
    problems: list[Problem] = []
    baselines: dict[Platform, Baseline] = {}
    for platform in Platform:
        path = directory / f"{platform.value}.yml"
        try:
            baseline = load_baseline(path)
        except InputError as error:
            problems.extend(error.problems)
            continue
        if baseline.platform is not platform:
            problems.append(Problem(path=("baseline", "platform"), message="platform does not match the file name",
                                    expected=platform.value, found=baseline.platform.value,
                                    location=Location(str(path), 1)))
        baselines[platform] = baseline
    if problems:
        raise InputError(problems)
    return baselines


# --- masks -------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\$NETOPS_SECRET\{[a-z_]+\}")


@dataclass(frozen=True)
class CompiledMasks:
    """A platform's masks for one part, compiled."""

    masks: tuple[tuple[re.Pattern[str], Mask], ...]

    def apply(self, text: str) -> str:
        """The text with every secret value and volatile part masked; tokens become `<secret>` too."""
        text = _TOKEN.sub(SECRET, text)
        for pattern, mask in self.masks:
            if mask.kind == "secret":
                text = pattern.sub(partial(_hide, group=mask.group), text)
            else:
                text = pattern.sub(mask.replace, text)
        return text


def _hide(match: re.Match[str], group: int) -> str:
    value = match.group(group)
    bare = (value or "").strip("\"'")
    if not bare or bare in (SECRET, DEFAULT_SECRET):
        return match.group(0)
    hidden = DEFAULT_SECRET if bare.lower() in DEFAULT_PASSWORDS else SECRET
    start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
    whole = match.group(0)
    return whole[:start] + hidden + whole[end:]


@cache
def _compiled(masks: tuple[Mask, ...], part: str) -> CompiledMasks:
    return CompiledMasks(tuple((re.compile(m.pattern, re.MULTILINE), m) for m in masks if m.part == part))


def masks_for(baseline: Baseline, part: str) -> CompiledMasks:
    """The compiled masks of one part."""
    return _compiled(tuple(baseline.masks), part)


# --- rules -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompiledRule:
    """A rule with its patterns compiled and its placeholders filled in from the model."""

    rule: Rule
    scope: tuple[re.Pattern[str], ...]
    when: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    require: tuple[tuple[re.Pattern[str], str], ...]  # (pattern, the value it was filled with, or "")
    forbid: tuple[re.Pattern[str], ...]
    applicable: bool


def compile_rules(baseline: Baseline, values: dict[str, tuple[str, ...]]) -> tuple[CompiledRule, ...]:
    """Every rule of the baseline, patterns filled with the model's values (`{ntp}` -> each NTP host)."""
    compiled = []
    for rule in baseline.rules:
        applicable = True
        require: list[tuple[re.Pattern[str], str]] = []
        for pattern in rule.require:
            names = set(_PLACEHOLDER.findall(pattern))
            if not names:
                require.append((re.compile(pattern), ""))
                continue
            for name in names:
                if not values.get(name):
                    applicable = False
                for value in values.get(name, ()):
                    require.append((re.compile(pattern.replace("{" + name + "}", re.escape(value))), value))
        compiled.append(CompiledRule(
            rule=rule, scope=_all(rule.scope), when=_all(rule.when), unless=_all(rule.unless),
            require=tuple(require), forbid=_all(rule.forbid), applicable=applicable,
        ))
    return tuple(compiled)


def _all(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)
