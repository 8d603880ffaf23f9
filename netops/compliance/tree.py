"""Every part of a device's config as a tree of lines (parent/child), and the checks that a text is a config.

A device's configuration is a set of parts, by the suffix the renderer gives them (docs/compliance.md):

- `cfg`: the device config proper: IOS-XE and VRP running configs, FRR's frr.conf (indentation is hierarchy);
- FRR only, the Debian host's share: `nft` (the nftables ruleset: braces are hierarchy), `host.yml` (the host
  management baseline: YAML mappings are hierarchy), `dhcrelay` (`KEY="value"` lines).

Every part becomes the same shape: indented text (`lines`) that hier_config parses for the diff, and a light
`Node` tree the baseline rules walk. Parsing is strict where a broken file would otherwise look compliant or
cause false findings: undecodable, empty, an unterminated banner, unbalanced braces, malformed YAML, or a
device config that does not name its device are `ConfigError`s (exit 2), each with file:line.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from citynet_models.types import Platform

#: libyaml's safe loader where PyYAML has it: a city's host files parse six times faster.
_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Parts of a device's config, by platform, in report order.
PARTS: dict[Platform, tuple[str, ...]] = {
    Platform.FRR: ("cfg", "nft", "host.yml", "dhcrelay"),
    Platform.CISCO_IOSXE: ("cfg",),
    Platform.HUAWEI_VRP: ("cfg",),
}

#: Parts the renderer writes that no device can return, and why: compliance says their rules went unchecked
#: (UNVERIFIABLE) instead of calling them missing from the backup (docs/compliance.md).
UNREADABLE: dict[Platform, dict[str, str]] = {
    Platform.FRR: {"host.yml": "the host management baseline is the model's summary of sshd, PAM/RADIUS, chrony, "
                               "rsyslog and snmpd, which each keep their own files: no file on the box holds it"},
}

#: The line that names the device in its config, per platform.
_HOSTNAME = {Platform.FRR: "hostname", Platform.CISCO_IOSXE: "hostname", Platform.HUAWEI_VRP: "sysname"}

#: Lines no platform keeps: comments, FRR's and VRP's section ends, IOS's and FRR's header lines.
_COMMENT = {
    Platform.FRR: re.compile(r"^\s*(!.*|exit|exit-address-family|exit-vrf|end|Building configuration\.\.\.|"
                             r"Current configuration:?.*|frr version .*)\s*$"),
    Platform.CISCO_IOSXE: re.compile(r"^\s*(!.*|end|exit-address-family|Building configuration\.\.\.|"
                                     r"Current configuration : .*|version .*)\s*$"),
    Platform.HUAWEI_VRP: re.compile(r"^\s*(#.*|!.*|return|quit)\s*$"),
}


class ConfigError(ValueError):
    """A config part that cannot be read as one: where and why."""

    def __init__(self, file: str, line: int, message: str, hint: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(f"{file}:{line}: {message}")


@dataclass(slots=True)
class Node:
    """One config line and the lines under it."""

    text: str
    children: list["Node"] = field(default_factory=list)

    def walk(self) -> Iterator["Node"]:
        """Every descendant, depth first, in file order."""
        for child in self.children:
            yield child
            yield from child.walk()


def tree(lines: list[str]) -> Node:
    """The tree of indented lines (indentation: any number of spaces per level)."""
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for line in lines:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        while indent <= stack[-1][0]:
            stack.pop()
        node = Node(stripped)
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


def parse_part(platform: Platform, part: str, text: str, file: str, device: str) -> list[str]:
    """The part as normalised indented lines (comments and section ends dropped), or ConfigError."""
    if not text.strip():
        raise ConfigError(file, 1, "empty config", "the backup or the fetch returned nothing: fetch it again")
    if part == "cfg":
        return _device_config(platform, text, file, device)
    if part == "nft":
        return _nft(text, file)
    if part == "host.yml":
        return _host_yaml(text, file)
    if part == "dhcrelay":
        return _dhcrelay(text, file)
    raise ConfigError(file, 1, f"unknown config part {part!r}", "parts are cfg, nft, host.yml, dhcrelay")


def _device_config(platform: Platform, text: str, file: str, device: str) -> list[str]:
    comment = _COMMENT[platform]
    lines: list[str] = []
    banner: list[str] | None = None
    banner_end = banner_head = ""
    banner_line = 0
    named = False
    keyword = _HOSTNAME[platform]
    for number, raw in enumerate(text.splitlines(), start=1):
        if banner is not None:  # inside a multi-line banner: one line of the tree, lines joined by ' | '
            end = raw.find(banner_end)
            banner.append((raw[:end] if end >= 0 else raw).strip())
            if end >= 0:
                lines.append(banner_head + " | ".join(part for part in banner if part))
                banner = None
            continue
        if "\t" in raw:
            raw = raw.replace("\t", " ")
        if not raw.strip() or comment.match(raw):
            continue
        line = raw.rstrip()
        stripped = line.lstrip(" ")
        indent = line[: len(line) - len(stripped)]
        line = indent + " ".join(stripped.split())
        opened = _banner_start(platform, line)
        if opened is not None:
            banner_head, banner_end, rest = opened
            end = rest.find(banner_end)
            if end >= 0:
                lines.append(banner_head + rest[:end].strip())
            else:
                banner, banner_line = [rest.strip()], number
            continue
        if not indent and line.split(" ", 1)[0] == keyword:
            named = True
            if line != f"{keyword} {device}":
                raise ConfigError(file, number, f"config of another device: {line!r}",
                                  f"expected '{keyword} {device}': the backup file is misnamed or mixed up")
        lines.append(line)
    if banner is not None:
        raise ConfigError(file, banner_line, "unterminated banner",
                          f"the banner's closing delimiter {banner_end!r} is missing: the config is truncated")
    if not named:
        raise ConfigError(file, 1, f"not a {platform.value} config of {device}: no '{keyword} {device}' line",
                          "the backup holds something else (an error page, a truncated fetch): fetch it again")
    return lines


_IOS_BANNER = re.compile(r"^(banner (?:login|motd|exec) )(\S)(.*)$")
_VRP_HEADER = re.compile(r'^(header (?:login|shell) information )"(.*)$')


def _banner_start(platform: Platform, line: str) -> tuple[str, str, str] | None:
    """(head, closing delimiter, rest of the line) when a banner starts on this line."""
    if platform is Platform.CISCO_IOSXE:
        match = _IOS_BANNER.match(line)
        if match:
            delimiter = match.group(2)
            delimiter = "^C" if delimiter == "^" and match.group(3).startswith("C") else delimiter
            rest = match.group(3)[len(delimiter) - 1:]
            return match.group(1), delimiter, rest
    if platform is Platform.HUAWEI_VRP:
        match = _VRP_HEADER.match(line)
        if match:
            return match.group(1), '"', match.group(2)
    return None


#: `nft list` prints an IPv4 host prefix as the bare address: the rendered `/32` is normalised the same way.
_HOST_PREFIX = re.compile(r"\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})/32\b")


def _nft(text: str, file: str) -> list[str]:
    """nftables as indented lines: `x {` opens a level, `}` closes it; counters and comments dropped."""
    lines: list[str] = []
    depth = 0
    opened: list[int] = []
    pending = ""
    pending_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if pending:  # a `{ ... }` list split over lines (nft list ruleset wraps long sets)
            pending += " " + line
            if pending.count("{") > pending.count("}"):
                continue
            line, pending = pending, ""
        elif line.count("{") > line.count("}") and not line.endswith("{"):
            pending, pending_line = line, number
            continue
        line = _HOST_PREFIX.sub(r"\1", " ".join(line.split()))
        if line in ("}", "};"):
            if depth == 0:
                raise ConfigError(file, number, "unbalanced '}'", "the ruleset is truncated or hand-edited")
            depth -= 1
            opened.pop()
            continue
        if line.endswith("{"):
            lines.append("  " * depth + line[:-1].rstrip())
            depth += 1
            opened.append(number)
            continue
        if depth == 0 and line.startswith(("delete table ", "flush ruleset", "table ")):
            continue  # the rendered file's atomic-reload preamble: not part of the running ruleset
        lines.append("  " * depth + line)
    if pending:
        raise ConfigError(file, pending_line, "unterminated '{' list", "the ruleset is truncated")
    if depth:
        raise ConfigError(file, opened[-1], "unbalanced '{': a block is never closed", "the ruleset is truncated")
    return lines


def _host_yaml(text: str, file: str) -> list[str]:
    """The host baseline as indented lines: `key` sections, `key value` leaves, `k=v ...` list items."""
    try:
        data = yaml.load(text, Loader=_YamlLoader)  # a SafeLoader (libyaml's when PyYAML has it)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ConfigError(file, (mark.line + 1) if mark else 1, f"malformed YAML: {error.problem or error.context}",
                          "the host baseline file is truncated or hand-edited") from error
    if not isinstance(data, dict):
        raise ConfigError(file, 1, f"host baseline must be a mapping, found {type(data).__name__}",
                          "the file holds something else: fetch it again")
    lines: list[str] = []
    _flatten(data, 0, lines)
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return " | ".join(part.strip() for part in value.strip().splitlines())
    return str(value)


def _flatten(data: dict[Any, Any], depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}")
            _flatten(value, depth + 1, lines)
        elif isinstance(value, list):
            if not value:
                lines.append(f"{pad}{key} []")
                continue
            scalars = [item for item in value if not isinstance(item, dict | list)]
            if len(scalars) == len(value):
                lines.extend(f"{pad}{key} {_scalar(item)}" for item in value)
                continue
            lines.append(f"{pad}{key}")
            for item in value:
                if isinstance(item, dict):
                    lines.append(pad + "  " + " ".join(f"{k}={_scalar(v)}" for k, v in item.items()))
                else:
                    lines.append(pad + "  " + _scalar(item))
        else:
            lines.append(f"{pad}{key} {_scalar(value)}")


_ASSIGNMENT = re.compile(r'^([A-Z_][A-Z0-9_]*)=(?:"(.*)"|(\S*))$')


def _dhcrelay(text: str, file: str) -> list[str]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        if match is None:
            raise ConfigError(file, number, f"not a KEY=\"value\" line: {line[:60]!r}",
                              "/etc/default/isc-dhcp-relay holds shell assignments only")
        value = match.group(2) if match.group(2) is not None else match.group(3)
        lines.append(f"{match.group(1)} {' '.join(value.split())}".rstrip())
    return lines
