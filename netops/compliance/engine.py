"""Compliance of devices: intended (rendered in memory) vs actual (backups or the running device).

Per device and per config part, in this order (each step's why):

1. mask both sides with the platform's masks: secrets and volatile lines can then neither cause a false
   finding nor reach a report (the only copy of a secret value is dropped here);
2. parse both (netops.compliance.tree): a corrupt or foreign file is bad input, never "compliant";
3. drift: equal normalised lines mean no drift (the common case, and cheap); otherwise hier_config
   compares the trees order-insensitively and gives, per section, what is missing, what is extra and
   the remediation commands;
4. baseline rules on the actual config (what the device really runs);
5. waivers turn findings they cover into accepted ones, until they expire.
"""

import fnmatch
import multiprocessing
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from citynet_models.types import Platform
from netops.compliance.baseline import Baseline, CompiledRule, Severity, compile_rules, masks_for
from netops.compliance.diff import GLOBAL, SectionDiff, diff_part, whole_part
from netops.compliance.tree import PARTS, UNREADABLE, ConfigError, Node, parse_part, tree
from netops.compliance.waivers import DRIFT, MISSING, UNVERIFIABLE, Waiver
from netops.gc_policy import frozen_for_fork
from netops.hostfiles import HOST_FILES


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a device's config."""

    device: str
    platform: str
    rule: str  # a baseline rule id, DRIFT or MISSING
    severity: str
    part: str
    section: str
    message: str
    missing: tuple[str, ...] = ()  # intended (or required) lines the device lacks
    extra: tuple[str, ...] = ()  # lines the device has and should not
    remediation: tuple[str, ...] = ()
    waiver: Waiver | None = None
    waiver_expired: bool = False

    @property
    def failing(self) -> bool:
        """Whether the finding fails the run (not waived, or its waiver expired)."""
        return self.waiver is None or self.waiver_expired


@dataclass
class DeviceResult:
    """Everything found on one device."""

    device: str
    platform: str
    parts: tuple[str, ...]  # parts compared
    findings: list[Finding] = field(default_factory=list)
    rules_checked: tuple[str, ...] = ()

    @property
    def compliant(self) -> bool:
        """No failing finding."""
        return not any(f.failing for f in self.findings)


@dataclass(frozen=True)
class ActualPart:
    """A part of the actual config and where it was read from (for file:line errors)."""

    text: str
    origin: str


@dataclass(frozen=True)
class DeviceInput:
    """What is compared for one device."""

    device: str
    platform: Platform
    intended: Mapping[str, str]  # part -> rendered text
    actual: Mapping[str, ActualPart]  # part -> the device's text


@dataclass(frozen=True)
class Checker:
    """The baseline and waivers, compiled once per run (and per worker process)."""

    baselines: Mapping[Platform, Baseline]
    values: Mapping[str, tuple[str, ...]]
    waivers: tuple[Waiver, ...]
    today: date

    def rules(self, platform: Platform) -> tuple[CompiledRule, ...]:
        """The platform's rules, placeholders filled in."""
        return _rules(self, platform)


_RULE_CACHE: dict[tuple[int, Platform], tuple[CompiledRule, ...]] = {}


def _rules(checker: Checker, platform: Platform) -> tuple[CompiledRule, ...]:
    key = (id(checker), platform)
    if key not in _RULE_CACHE:
        _RULE_CACHE[key] = compile_rules(checker.baselines[platform], dict(checker.values))
    return _RULE_CACHE[key]


def check_device(checker: Checker, item: DeviceInput) -> DeviceResult:
    """Findings of one device (ConfigError when a part of the actual config cannot be read)."""
    return waive(checker, check_device_unwaived(checker, item))


def waive(checker: Checker, result: DeviceResult) -> DeviceResult:
    """The result with the checker's waivers applied (as of its day) to the findings they cover."""
    return DeviceResult(result.device, result.platform, result.parts,
                        [_waive(checker, finding) for finding in result.findings], result.rules_checked)


def check_device_unwaived(checker: Checker, item: DeviceInput) -> DeviceResult:
    """Findings of one device before waivers: what depends only on the configs, the baseline and the model."""
    baseline = checker.baselines[item.platform]
    platform = item.platform.value
    parts = tuple(p for p in PARTS[item.platform] if p in item.intended or p in item.actual)
    result = DeviceResult(item.device, platform, parts)
    trees: dict[str, Node] = {}
    for part in parts:
        masks = masks_for(baseline, part)
        intended_text = item.intended.get(part)
        actual = item.actual.get(part)
        if actual is None:
            unreadable = UNREADABLE.get(item.platform, {}).get(part)
            result.findings.append(_missing(item, part) if unreadable is None else
                                   _unverifiable(item, part, unreadable, checker.rules(item.platform)))
            continue
        masked = masks.apply(actual.text)
        lines = parse_part(item.platform, part, masked, actual.origin, item.device)
        trees[part] = tree(lines)
        intended: list[str] | None = None
        if intended_text is not None:
            wanted = masked if intended_text == actual.text else masks.apply(intended_text)
            # the common case: the device runs what was rendered (after masks), so it parses the same
            intended = lines if wanted == masked else parse_part(item.platform, part, wanted,
                                                                f"<rendered {item.device}.{part}>", item.device)
        if intended is None:
            result.findings.append(_drift(item, whole_part(part, item.device, lines, present=True),
                                          "part present on the device but not rendered from the model"))
        elif intended != lines:
            for section in diff_part(item.platform, part, item.device, intended, lines):
                result.findings.append(_drift(item, section, "differs from the intended config"))
    checked = []
    for rule in checker.rules(item.platform):
        root = trees.get(rule.rule.part)
        if root is None or not rule.applicable:
            continue
        checked.append(rule.rule.id)
        result.findings.extend(_evaluate(rule, root, item))
    result.rules_checked = tuple(checked)
    return result


def _missing(item: DeviceInput, part: str) -> Finding:
    remediation = [f"collect it: the backup of {item.device} has no .{part} part"]
    host = HOST_FILES.get(part) if item.platform is Platform.FRR else None
    if host is not None:  # napalm_frr leaves out a file it read as empty: absent, or not readable by the login user
        remediation.append(f"if {host.path} is on the box, the login user may not read it: the fetch reads it "
                           f"with `cat`, else `sudo -n cat {host.path}` (allow that one command in sudoers)")
    return Finding(item.device, item.platform.value, MISSING, Severity.HIGH.value, part, GLOBAL,
                   f"no {part} in the actual config: nothing to compare it with", remediation=tuple(remediation))


def _unverifiable(item: DeviceInput, part: str, why: str, rules: Sequence[CompiledRule]) -> Finding:
    unchecked = sorted({rule.rule.id for rule in rules if rule.rule.part == part})
    return Finding(item.device, item.platform.value, UNVERIFIABLE, Severity.MEDIUM.value, part, GLOBAL,
                   f"{part} cannot be read from a device ({why}); not checked: "
                   f"{', '.join(unchecked) or 'no rule'}",
                   remediation=(f"check the host's daemons by other means, or waive UNVERIFIABLE {part} "
                                "with an owner and an expiry",))


def _drift(item: DeviceInput, section: SectionDiff, what: str) -> Finding:
    return Finding(item.device, item.platform.value, DRIFT, Severity.MEDIUM.value, section.part, section.section,
                   f"{section.part} {section.section}: {what}", section.missing, section.extra,
                   section.remediation)


def _waive(checker: Checker, finding: Finding) -> Finding:
    for waiver in checker.waivers:
        if waiver.covers(finding.rule, finding.device, finding.part, finding.section):
            return Finding(**{**finding.__dict__, "waiver": waiver,
                              "waiver_expired": waiver.expired(checker.today)})
    return finding


def _sections(root: Node, scope: Sequence[re.Pattern[str]]) -> list[tuple[str, Node]]:
    level: list[tuple[str, Node]] = [("", root)]
    for pattern in scope:
        level = [(f"{path} > {child.text}" if path else child.text, child)
                 for path, node in level for child in node.children if pattern.search(child.text)]
    return [(path or GLOBAL, node) for path, node in level]


def _readable(pattern: re.Pattern[str]) -> str:
    text = pattern.pattern.removeprefix("(?i)").removeprefix("^").removesuffix("$")
    text = text.replace("\\S+", "<word>").replace("\\d+", "<number>").replace("( |$)", "")
    return re.sub(r"\\([^\w])", r"\1", text)


def _evaluate(compiled: CompiledRule, root: Node, item: DeviceInput) -> list[Finding]:
    rule = compiled.rule
    findings = []
    sections = _sections(root, compiled.scope)
    if not sections and rule.scope_required:
        wanted = " > ".join(_readable(p) for p in compiled.scope)
        return [Finding(item.device, item.platform.value, rule.id, rule.severity.value, rule.part, wanted,
                        f"{rule.description}: no {wanted} section", (wanted,), (),
                        tuple(line.replace("{device}", item.device) for line in rule.remediation))]
    for section, node in sections:
        children = node.children
        if compiled.when and not any(p.search(c.text) for c in children for p in compiled.when):
            continue
        if compiled.unless and any(p.search(c.text) for c in children for p in compiled.unless):
            continue
        absent = tuple(_readable(p) for p, _value in compiled.require
                       if not any(p.search(c.text) for c in children))
        present = tuple(line.text for line in (node.walk() if compiled.forbid else ())
                        if any(p.search(line.text) for p in compiled.forbid))
        if not absent and not present:
            continue
        context = "" if section == GLOBAL else f" in {section}"
        what = "; ".join(filter(None, (f"missing {', '.join(absent)}" if absent else "",
                                       f"forbidden {', '.join(present)}" if present else "")))
        fix = tuple(line.replace("{device}", item.device) for line in rule.remediation)
        findings.append(Finding(item.device, item.platform.value, rule.id, rule.severity.value, rule.part, section,
                                f"{rule.description}{context}: {what}", absent, present, fix))
    return findings


# --- many devices ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """Results of every device, or the configs that could not be read."""

    results: list[DeviceResult] = field(default_factory=list)
    errors: list[ConfigError] = field(default_factory=list)


def _run(checker: Checker, items: Sequence[DeviceInput]) -> Outcome:
    outcome = Outcome()
    for item in items:
        try:
            outcome.results.append(check_device(checker, item))
        except ConfigError as error:
            outcome.errors.append(error)
    return outcome


_job: tuple[Checker, Sequence[DeviceInput]] | None = None


def _run_slice(bounds: tuple[int, int, int]) -> Outcome:
    assert _job is not None
    checker, items = _job
    start, stop, step = bounds
    return _run(checker, items[start:stop:step])


def check_devices(checker: Checker, items: Sequence[DeviceInput], workers: int = 1) -> Outcome:
    """Every device's result, sorted by name; `workers` > 1 forks that many processes (where fork exists)."""
    global _job
    workers = max(1, min(workers, len(items) // 50 or 1))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        outcome = _run(checker, items)
    else:
        _job = (checker, items)
        try:
            with frozen_for_fork(), ProcessPoolExecutor(max_workers=workers,
                                                        mp_context=multiprocessing.get_context("fork")) as pool:
                parts = list(pool.map(_run_slice, [(start, len(items), workers) for start in range(workers)]))
        finally:
            _job = None
        outcome = Outcome()
        for part in parts:
            outcome.results.extend(part.results)
            outcome.errors.extend(part.errors)
    outcome.results.sort(key=lambda r: r.device)
    outcome.errors.sort(key=lambda e: (e.file, e.line))
    return outcome


def select(names: Sequence[str], patterns: Sequence[str]) -> list[str]:
    """Device names matching any of the patterns (exact names or globs); all without patterns."""
    if not patterns:
        return list(names)
    return [name for name in names if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
