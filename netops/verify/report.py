"""The verification report per site, as text, JSON, JUnit XML and Markdown."""

import json
from xml.etree import ElementTree

from netops.verify.engine import Verification


def to_text(result: Verification) -> str:
    """One line per site, then the reasons of each failed check."""
    lines = []
    for site in result.sites:
        lines.append(f"{'PASS' if site.ok else 'FAIL'}  {site.site}  ({len(site.checks)} checks, "
                     f"{len(site.failures)} failed)")
        lines.extend(f"      {c.phase}: {c.name}: {c.reason}" for c in site.failures)
    failed = sum(not s.ok for s in result.sites)
    if result.lost_reachability:
        lines.append(f"lost reachability: {', '.join(result.lost_reachability)}")
    if result.lost_redundancy:
        lines.append(f"lost redundancy: {', '.join(result.lost_redundancy)}")
    lines.append(f"{len(result.sites) - failed}/{len(result.sites)} sites pass"
                 + (f", {failed} fail" if failed else ""))
    return "\n".join(lines) + "\n"


def to_json(result: Verification) -> str:
    """Machine-readable: every site with its verdict and every check."""
    return json.dumps({
        "ok": result.ok,
        "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
        "lost_reachability": result.lost_reachability,
        "lost_redundancy": result.lost_redundancy,
        "sites": [{"site": s.site, "name": s.name, "ok": s.ok,
                   "failures": [{"phase": c.phase, "check": c.name, "reason": c.reason} for c in s.failures],
                   "checks": len(s.checks)} for s in result.sites],
    }, ensure_ascii=False, indent=2) + "\n"


def to_junit(result: Verification) -> str:
    """JUnit XML: one test suite per site, one test case per check."""
    suites = ElementTree.Element("testsuites", name="netops verify")
    for site in result.sites:
        suite = ElementTree.SubElement(suites, "testsuite", name=site.site, tests=str(len(site.checks)),
                                       failures=str(len(site.failures)))
        for check in site.checks:
            case = ElementTree.SubElement(suite, "testcase", classname=f"{site.site}.{check.phase}",
                                          name=check.name)
            if not check.ok:
                ElementTree.SubElement(case, "failure", message=check.reason or "failed")
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def to_markdown(result: Verification) -> str:
    """A table of sites, then the failures with their reasons."""
    lines = ["# Verification", "", f"**{'PASS' if result.ok else 'FAIL'}**", "",
             "| site | name | verdict | checks | failed |", "|---|---|---|---|---|"]
    lines += [f"| {s.site} | {s.name} | {'pass' if s.ok else '**fail**'} | {len(s.checks)} | {len(s.failures)} |"
              for s in result.sites]
    failing = [s for s in result.sites if not s.ok]
    if result.lost_reachability or result.lost_redundancy:
        lines += [""]
        lines += [f"- lost reachability: {', '.join(result.lost_reachability)}"] if result.lost_reachability else []
        lines += [f"- lost redundancy: {', '.join(result.lost_redundancy)}"] if result.lost_redundancy else []
    if failing:
        lines += ["", "## Failures", ""]
        for site in failing:
            lines += [f"- **{site.site}** {c.phase}: {c.name}: {c.reason}".replace("|", "\\|")
                      for c in site.failures]
    return "\n".join(lines) + "\n"


FORMATS = {"txt": to_text, "json": to_json, "xml": to_junit, "md": to_markdown}
