"""Every part of a device's config as a tree of lines (parent/child), and the checks that a text is a config.

A device's configuration is a set of parts, by the suffix the renderer gives them (docs/compliance.md):

- `cfg`: the device config proper: IOS-XE and VRP running configs, FRR's frr.conf (indentation is hierarchy);
- FRR only, the Debian host's share (netops.hostfiles): `nft` (the nftables ruleset: braces are hierarchy),
  `snmpd`, `chrony`, `sshd` (flat `keyword value` lines; sshd's `Match` blocks are sections), `rsyslog` (one
  line per statement: a multi-line `action(...)` is joined), `banner` (/etc/issue.net: its text lines),
  `radius` (pam_radius_auth.conf: `server secret [timeout]` lines), `keepalived` (keepalived.conf: braces are
  hierarchy, `#` and `!` start comments), `dhcrelay` (`KEY="value"` lines).

Every part becomes the same shape: indented text (`lines`) that hier_config parses for the diff, and a light
`Node` tree the baseline rules walk. Parsing is strict where a broken file would otherwise look compliant or
cause false findings: undecodable, empty, an unterminated banner, unbalanced braces or parentheses, a line
that is not a directive of the part's daemon (an error page, another file in its place), or a device config
that does not name its device are `ConfigError`s (exit 2), each with file:line.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from citynet_models.types import Platform
from netops.hostfiles import HOST_FILES

#: Parts of a device's config, by platform, in report order.
PARTS: dict[Platform, tuple[str, ...]] = {
    Platform.FRR: ("cfg", "nft", *HOST_FILES, "dhcrelay"),
    Platform.CISCO_IOSXE: ("cfg",),
    Platform.HUAWEI_VRP: ("cfg",),
}

#: Parts the renderer writes that no device can return, and why: compliance says their rules went unchecked
#: (UNVERIFIABLE) instead of calling them missing from the backup (docs/compliance.md). Every part rendered
#: today is a file on the box, so none is listed; a part that is not (a summary no daemon reads) belongs here.
UNREADABLE: dict[Platform, dict[str, str]] = {}

#: The line that names the device in its config, per platform.
_HOSTNAME = {Platform.FRR: "hostname", Platform.CISCO_IOSXE: "hostname", Platform.HUAWEI_VRP: "sysname"}

#: Lines no platform keeps: comments, FRR's and VRP's section ends (IOS-XE's `exit-address-family` and
#: `exit-vrrp` too: indentation already closes the section), IOS's and FRR's header lines.
_COMMENT = {
    Platform.FRR: re.compile(r"^\s*(!.*|exit|exit-address-family|exit-vrf|end|Building configuration\.\.\.|"
                             r"Current configuration:?.*|frr version .*)\s*$"),
    Platform.CISCO_IOSXE: re.compile(r"^\s*(!.*|end|exit-address-family|exit-vrrp|Building configuration\.\.\.|"
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
    if part == "dhcrelay":
        return _dhcrelay(text, file)
    reader = _HOST_READERS.get(part)
    if reader is None:
        raise ConfigError(file, 1, f"unknown config part {part!r}",
                          f"parts are {', '.join(PARTS[Platform.FRR])}")
    return reader(text, file)


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


type Reader = Callable[[str, str], list[str]]

#: A directive of snmpd.conf, chrony.conf or sshd_config: a keyword (snmpd's may carry an `[app]` prefix).
_DIRECTIVE = re.compile(r"^(\[[a-z]+\] )?[A-Za-z][A-Za-z0-9_-]*$")


def _directives(text: str, file: str, daemon: str) -> Iterator[tuple[int, str]]:
    """(line number, `keyword value ...` with single spaces) of each directive; comments and blanks dropped."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        head = line.split(" ", 2)
        keyword = " ".join(head[:2]) if line.startswith("[") else head[0]
        if not _DIRECTIVE.match(keyword):
            raise ConfigError(file, number, f"not a {daemon} directive: {line[:60]!r}",
                              f"a {daemon} file holds `keyword value` lines: the file is something else "
                              "(an error page, another file in its place) or hand-edited")
        yield number, line


def _flat(daemon: str) -> "Reader":
    def read(text: str, file: str) -> list[str]:
        return [line for _, line in _directives(text, file, daemon)]
    return read


def _sshd(text: str, file: str) -> list[str]:
    """sshd_config: keywords are case-insensitive (kept as written); a `Match` block is a section."""
    lines: list[str] = []
    inside = False
    for number, line in _directives(text, file, "sshd_config"):
        if line.lower().startswith("match"):
            if line.lower() == "match":
                raise ConfigError(file, number, "'Match' without criteria",
                                  "a Match line names what it matches (User, Address, ...): the file is hand-edited")
            inside = line.lower() != "match all"
            lines.append(line)
            continue
        lines.append(("  " if inside else "") + line)
    return lines


def _rsyslog(text: str, file: str) -> list[str]:
    """rsyslog statements, one per line: a `( ... )` split over lines is joined; `#` comments dropped."""
    lines: list[str] = []
    pending = ""
    opened = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _unquoted_comment(raw)
        if not line.strip():
            continue
        pending = f"{pending} {line.strip()}" if pending else line.strip()
        depth = _depth(pending, file, number)
        if depth:
            opened = opened or number
            continue
        lines.append(" ".join(pending.split()))
        pending, opened = "", 0
    if pending:
        raise ConfigError(file, opened, "unbalanced '(': a statement is never closed",
                          "the rsyslog file is truncated or hand-edited")
    return lines


def _unquoted_comment(line: str) -> str:
    """The line without a `#` comment outside double quotes."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:index]
    return line


def _depth(text: str, file: str, number: int) -> int:
    """Parentheses still open at the end of the text (quoted ones do not count)."""
    depth = 0
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                raise ConfigError(file, number, "unbalanced ')'", "the rsyslog file is hand-edited")
    if quoted:
        raise ConfigError(file, number, "unterminated '\"' string", "the rsyslog file is truncated or hand-edited")
    return depth


def _banner(text: str, file: str) -> list[str]:
    """The banner's text lines (a banner has no comments: every non-blank line is shown to the user)."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


#: A pam_radius_auth.conf line: server[:port] secret [timeout [source address [vrf]]].
_RADIUS = re.compile(r"^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\])(:\d+)? \S+( \d+( \S+){0,2})?$")


def _radius(text: str, file: str) -> list[str]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        if not _RADIUS.match(line):
            raise ConfigError(file, number, f"not a RADIUS server line: {line[:60]!r}",
                              "pam_radius_auth.conf holds `server[:port] secret [timeout]` lines")
        lines.append(line)
    return lines


#: A keepalived.conf line: a keyword, or a word of a list block (an instance name, an interface, an address).
_KEEPALIVED_WORD = re.compile(r"^[A-Za-z0-9_.:/@-]+$")


def _keepalived(text: str, file: str) -> list[str]:
    """keepalived.conf as indented lines: `x {` opens a level, `}` closes it; `#` and `!` comments dropped."""
    lines: list[str] = []
    opened: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(re.split(r"[#!]", raw, maxsplit=1)[0].split())
        if not line:
            continue
        if line == "}":
            if not opened:
                raise ConfigError(file, number, "unbalanced '}'", "keepalived.conf is truncated or hand-edited")
            opened.pop()
            continue
        head = line[:-1].rstrip() if line.endswith("{") else line
        if not _KEEPALIVED_WORD.match(head.split(" ", 1)[0]) or "{" in head or "}" in head:
            raise ConfigError(file, number, f"not a keepalived.conf line: {line[:60]!r}",
                              "keepalived.conf holds `keyword value` lines in `{ }` blocks: the file is something "
                              "else (an error page, another file in its place) or hand-edited")
        lines.append("  " * len(opened) + head)
        if line.endswith("{"):
            opened.append(number)
    if opened:
        raise ConfigError(file, opened[-1], "unbalanced '{': a block is never closed", "keepalived.conf is truncated")
    return lines


#: How each host file is read (the part suffixes of netops.hostfiles).
_HOST_READERS: dict[str, Reader] = {
    "snmpd": _flat("snmpd.conf"),
    "chrony": _flat("chrony.conf"),
    "rsyslog": _rsyslog,
    "sshd": _sshd,
    "banner": _banner,
    "radius": _radius,
    "keepalived": _keepalived,
}


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
