"""Compliance reports: text, JSON, JUnit XML (for CI), Markdown and HTML.

Everything here is built from masked configs only: a secret value never reaches this module.
"""

import html
import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from xml.etree import ElementTree

from netops.compliance.engine import DeviceResult, Finding
from netops.compliance.waivers import NOT_RULES


class Format(StrEnum):
    """Report formats."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"


def summary(results: Sequence[DeviceResult]) -> dict[str, int]:
    """Counts for the headline."""
    findings = [f for r in results for f in r.findings]
    return {
        "devices": len(results),
        "compliant": sum(r.compliant for r in results),
        "non_compliant": sum(not r.compliant for r in results),
        "failing_findings": sum(f.failing for f in findings),
        "waived_findings": sum(not f.failing for f in findings),
        "expired_waivers": sum(f.waiver_expired for f in findings),
    }


def _status(finding: Finding) -> str:
    if finding.waiver is None:
        return "fail"
    return "waiver-expired" if finding.waiver_expired else "waived"


def _waiver_note(finding: Finding) -> str:
    if finding.waiver is None:
        return ""
    waiver = finding.waiver
    verb = "expired on" if finding.waiver_expired else "until"
    return f"waived by {waiver.owner} {verb} {waiver.expires.isoformat()}: {waiver.reason}"


def _finding_lines(finding: Finding) -> list[str]:
    lines = [f"[{_status(finding)}] {finding.rule} ({finding.severity}) {finding.part}: {finding.message}"]
    if finding.waiver is not None:
        lines.append(f"    {_waiver_note(finding)}")
    lines.extend(f"    - {line}" for line in finding.extra)
    lines.extend(f"    + {line}" for line in finding.missing)
    if finding.remediation:
        lines.append("    remediation:")
        lines.extend(f"      {line}" for line in finding.remediation)
    return lines


def text(results: Sequence[DeviceResult], today: date) -> str:
    """For people at a terminal: the devices with findings, then the headline."""
    out: list[str] = []
    for result in results:
        if result.compliant:  # waived findings of compliant devices: counted in the headline, listed in JSON/HTML
            continue
        state = "compliant" if result.compliant else "NOT COMPLIANT"
        out.append(f"{result.device} ({result.platform}): {state}")
        for finding in result.findings:
            out.extend("  " + line for line in _finding_lines(finding))
    counts = summary(results)
    out.append(f"compliance on {today.isoformat()}: {counts['compliant']} of {counts['devices']} devices compliant, "
               f"{counts['failing_findings']} failing findings, {counts['waived_findings']} waived "
               f"({counts['expired_waivers']} with an expired waiver)")
    return "\n".join(out) + "\n"


def _finding_dict(finding: Finding) -> dict[str, object]:
    waiver = finding.waiver
    return {
        "rule": finding.rule, "severity": finding.severity, "status": _status(finding), "part": finding.part,
        "section": finding.section, "message": finding.message, "missing": list(finding.missing),
        "extra": list(finding.extra), "remediation": list(finding.remediation),
        "waiver": None if waiver is None else {"owner": waiver.owner, "reason": waiver.reason,
                                               "expires": waiver.expires.isoformat(),
                                               "expired": finding.waiver_expired},
    }


def as_json(results: Sequence[DeviceResult], today: date) -> str:
    """Machine-readable: every device, every finding."""
    counts = summary(results)
    document = {
        "date": today.isoformat(),
        "compliant": counts["non_compliant"] == 0,
        "summary": counts,
        "devices": [{"device": r.device, "platform": r.platform, "compliant": r.compliant, "parts": list(r.parts),
                     "rules_checked": list(r.rules_checked), "findings": [_finding_dict(f) for f in r.findings]}
                    for r in results],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def junit(results: Sequence[DeviceResult], today: date) -> str:
    """JUnit XML: a test suite per device, a test case per baseline rule and per config part (drift).

    Failing findings are <failure>s; waived ones are <skipped> with the waiver's owner and expiry, so CI
    systems show them without failing the build.
    """
    suites = ElementTree.Element("testsuites", name="netops compliance", timestamp=today.isoformat())
    total = failures = skipped = 0
    for result in results:
        suite = ElementTree.SubElement(suites, "testsuite", name=result.device)
        by_case: dict[str, list[Finding]] = {}
        for finding in result.findings:
            by_case.setdefault(_case_name(finding.rule, finding.part), []).append(finding)
        cases = [_case_name(rule, "") for rule in result.rules_checked] + \
                [_case_name("DRIFT", part) for part in result.parts]
        cases += [name for name in by_case if name not in cases]
        suite_failures = suite_skipped = 0
        for name in cases:
            case = ElementTree.SubElement(suite, "testcase", classname=f"compliance.{result.platform}.{result.device}",
                                          name=name)
            found = by_case.get(name, [])
            failing = [f for f in found if f.failing]
            if failing:
                suite_failures += 1
                failure = ElementTree.SubElement(case, "failure", type=failing[0].severity,
                                                 message="; ".join(f.message for f in failing)[:500])
                failure.text = "\n".join(line for f in failing for line in _finding_lines(f))
            elif found:
                suite_skipped += 1
                ElementTree.SubElement(case, "skipped", message="; ".join(_waiver_note(f) for f in found)[:500])
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(suite_failures))
        suite.set("skipped", str(suite_skipped))
        suite.set("errors", "0")
        total += len(cases)
        failures += suite_failures
        skipped += suite_skipped
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("skipped", str(skipped))
    suites.set("errors", "0")
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def _case_name(rule: str, part: str) -> str:
    return f"{rule} {part}".strip() if rule in NOT_RULES else rule


def _md(text_value: str) -> str:
    return text_value.replace("|", "\\|").replace("\n", " ")


def markdown(results: Sequence[DeviceResult], today: date) -> str:
    """For merge requests and wikis."""
    counts = summary(results)
    out = [f"# Config compliance, {today.isoformat()}", "",
           f"{counts['compliant']} of {counts['devices']} devices compliant; {counts['failing_findings']} failing "
           f"findings, {counts['waived_findings']} waived ({counts['expired_waivers']} expired).", ""]
    by_rule = Counter(f.rule for r in results for f in r.findings if f.failing)
    if by_rule:
        out += ["| rule | failing findings |", "|---|---|"]
        out += [f"| {rule} | {count} |" for rule, count in sorted(by_rule.items())] + [""]
    for result in results:
        if result.compliant:
            continue
        out += [f"## {result.device} ({result.platform}): {'compliant' if result.compliant else 'not compliant'}",
                "", "| status | rule | severity | part | section | finding |", "|---|---|---|---|---|---|"]
        out += [f"| {_status(f)} | {f.rule} | {f.severity} | {f.part} | {_md(f.section)} | {_md(f.message)} |"
                for f in result.findings]
        fixes = [f for f in result.findings if f.remediation or f.missing or f.extra]
        for finding in fixes:
            out += ["", f"`{finding.rule}` {_md(finding.section)}:", "", "```diff"]
            out += [f"- {line}" for line in finding.extra] + [f"+ {line}" for line in finding.missing]
            out += ["```"]
            if finding.remediation:
                out += ["", "remediation:", "", "```", *finding.remediation, "```"]
        out.append("")
    return "\n".join(out) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.fail{background:#fde2e2}.waived{background:#fff6d6}.waiver-expired{background:#f8c4c4}.ok{background:#e3f6e3}
pre{background:#f6f6f6;padding:.5em;margin:.3em 0}.del{color:#a00}.add{color:#070}"""


def as_html(results: Sequence[DeviceResult], today: date) -> str:
    """A self-contained page: the headline, a device table, then each device's findings with diff and fix."""
    escape = html.escape
    counts = summary(results)
    rows = "".join(
        f'<tr class="{"ok" if r.compliant else "fail"}"><td><a href="#{escape(r.device)}">{escape(r.device)}</a></td>'
        f"<td>{escape(r.platform)}</td><td>{'compliant' if r.compliant else 'not compliant'}</td>"
        f"<td>{sum(f.failing for f in r.findings)}</td><td>{sum(not f.failing for f in r.findings)}</td></tr>"
        for r in results)
    details = []
    for result in results:
        if not result.findings:
            continue
        details.append(f'<h2 id="{escape(result.device)}">{escape(result.device)} ({escape(result.platform)})</h2>')
        for finding in result.findings:
            diff = "".join(f'<span class="del">- {escape(x)}</span>\n' for x in finding.extra) + \
                "".join(f'<span class="add">+ {escape(x)}</span>\n' for x in finding.missing)
            fix = "\n".join(escape(x) for x in finding.remediation)
            details.append(
                f'<div class="{_status(finding)}"><p><b>{escape(finding.rule)}</b> ({escape(finding.severity)}, '
                f"{escape(_status(finding))}) {escape(finding.part)}: {escape(finding.message)}</p>"
                + (f"<p>{escape(_waiver_note(finding))}</p>" if finding.waiver else "")
                + (f"<pre>{diff}</pre>" if diff else "")
                + (f"<p>remediation:</p><pre>{fix}</pre>" if fix else "") + "</div>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Config compliance '
            f"{today.isoformat()}</title><style>{_CSS}</style></head><body>"
            f"<h1>Config compliance, {today.isoformat()}</h1><p>{counts['compliant']} of {counts['devices']} devices "
            f"compliant; {counts['failing_findings']} failing findings, {counts['waived_findings']} waived "
            f"({counts['expired_waivers']} expired).</p><table><tr><th>device</th><th>platform</th><th>state</th>"
            f"<th>failing</th><th>waived</th></tr>{rows}</table>{''.join(details)}</body></html>\n")


WRITERS: dict[Format, Callable[[Sequence[DeviceResult], date], str]] = {
    Format.TEXT: text, Format.JSON: as_json, Format.JUNIT: junit, Format.MARKDOWN: markdown, Format.HTML: as_html,
}
