"""A merge on FRR, which has none: the running config and the merge lines -> the whole config that results.

FRR applies configuration as a whole (`frr-reload.py` reconciles a full config file with the running one), so
the driver turns a merge into that full config first, then lets frr-reload.py compute and apply the delta.
Appending the merge lines to the running config is not enough: frr-reload.py would keep every running line the
merge negates (`no ip route 10.99.0.0/24 Null0` next to `ip route 10.99.0.0/24 Null0`), apply the `no`, see the
line missing on its second pass and put it back, and report success with nothing changed.

The merge lines mean what they mean typed at `configure` in vtysh, one after the other:

- a line adds itself to its context; where the running config shows its `no` form (a setting whose default
  is on, such as `no bgp ebgp-requires-policy`), the line removes that instead (FRR shows no default);
- `no X` removes the running line X of its context, or, with no exact match, every line that starts with X
  (`no neighbor 192.0.2.2` removes the peer's lines, `no ip ospf cost` removes `ip ospf cost 5`), keywords
  read as vtysh reads abbreviations (`no ip rout ...` is `no ip route ...`); `no` of a
  block header removes the whole block with its sub-blocks (`no router bgp 65000`, `no interface eth9`:
  frr-reload.py then removes it the way FRR allows);
- `no X` of something the running config does not have changes nothing and shows no diff (as `no ip route` of
  an absent route on EOS or IOS) when X is a statement FRR shows in its positive form (routes, prefix lists,
  route maps, blocks, `network`, neighbours, addresses, ...); any other `no X` (`no bgp default
  ipv4-unicast`, `no ipv6 forwarding`: settings FRR shows in their `no` form) is kept as a line to add.

Contexts are parsed as frr-reload.py parses them (`Config.load_contexts` of FRR 8.4, whose keyword tree is
copied below), from text marked by `vtysh -m` (FRR's own parser places each line in its block). Lines are
compared as frr-reload.py compares them (whitespace compressed, route and prefix-list addresses normalised).
Each change is recorded as an `Effect` that the driver checks in the running config after its commit.
"""

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from napalm_frr.parse import sanitize

Keys = tuple[str, ...]
Tree = dict[str, "Tree"]

#: frr-reload.py (FRR 8.4) `Config.load_contexts.ctx_keywords`: the commands that open a block, by parent.
CONTEXT_KEYWORDS: Tree = {
    "router bgp ": {"address-family ": {"vni ": {}}, "vnc defaults": {}, "vnc nve-group ": {},
                    "vnc l2-group ": {}, "vrf-policy ": {}, "bmp targets ": {}, "segment-routing srv6": {}},
    "router rip": {}, "router ripng": {}, "router isis ": {}, "router openfabric ": {}, "router ospf": {},
    "router ospf6": {}, "router eigrp ": {}, "router babel": {},
    "mpls ldp": {"address-family ": {"interface ": {}}}, "l2vpn ": {"member pseudowire ": {}},
    "key chain ": {"key ": {}}, "vrf ": {}, "interface ": {"link-params": {}}, "pseudowire ": {},
    "segment-routing": {"traffic-eng": {"segment-list ": {}, "policy ": {"candidate-path ": {}},
                                        "pcep": {"pcc": {}, "pce ": {}, "pce-config ": {}}},
                        "srv6": {"locators": {"locator ": {}}}},
    "nexthop-group ": {}, "route-map ": {}, "pbr-map ": {}, "rpki": {},
    "bfd": {"peer ": {}, "profile ": {}}, "line vty": {},
}
#: Top-level statements FRR shows in their positive form: `no` of an absent one changes nothing.
_ABSENT_NO_OP_TOP = ("ip route ", "ipv6 route ", "ip prefix-list ", "ipv6 prefix-list ", "route-map ",
                     "access-list ", "ipv6 access-list ", "bgp as-path access-list ", "bgp community-list ",
                     "bgp large-community-list ", "bgp extcommunity-list ", "ip protocol ", "ipv6 protocol ",
                     "ip nht ", "ipv6 nht ", "debug ", "log ", "password", "enable password", "banner ")
#: The same inside blocks.
_ABSENT_NO_OP_IN_BLOCK = re.compile(
    r"^(network |ip address |ipv6 address |description|redistribute |area |passive-interface|ip ospf |"
    r"ipv6 ospf6 |aggregate-address |match |set |call |on-match |distance|bgp router-id|ospf router-id|"
    r"router-id|ip route |ipv6 route |timers |maximum-paths |import |export |rd |rt |label |"
    r"neighbor \S+(?: (?:remote-as|peer-group|description|password|timers|update-source|route-map|prefix-list|"
    r"filter-list|distribute-list|ebgp-multihop|ttl-security|local-as|bfd|capability|interface|weight|"
    r"maximum-prefix|next-hop-self|route-reflector-client|soft-reconfiguration|allowas-in|"
    r"default-originate|unsuppress-map|attribute-unchanged|as-override|remove-private-AS)\b.*)?$)")


@dataclass
class Line:
    """One statement of the merge: its block (keys), its text, and the user's line number (1-based; 0 unknown)."""

    keys: Keys
    text: str
    number: int


@dataclass
class Effect:
    """What a merge line does, to check in the running config after the commit.

    kind: "present" (`text` must be configured in `keys`), "absent" (`removed` lines/blocks must be gone),
    "negated" (a kept `no X`: `no X` configured, or X not configured, both fine).
    """

    line: Line
    kind: str
    removed: list[tuple[Keys, str | None]] = field(default_factory=list)


@dataclass
class Merged:
    """The whole config a merge results in, and the effect of each of its lines."""

    config: str
    effects: list[Effect]


class Config:
    """A config as ordered blocks, like frr-reload.py's Config: {keys: [lines]}; a top-level statement is a
    block with no lines whose key is the statement."""

    def __init__(self) -> None:
        self.blocks: dict[Keys, list[str]] = {}

    @classmethod
    def parse(cls, text: str) -> "Config":
        """A config from `show running-config` or `vtysh -m` output (blocks end with `exit`/`end`)."""
        config = cls()
        for keys, line, _ in _statements(text):
            config.blocks.setdefault(keys, [])
            if line is not None:
                config.blocks[keys].append(line)
        return config

    def has(self, keys: Keys, line: str | None) -> bool:
        """Whether a statement (line None: the block or top-level statement `keys`) is configured."""
        if line is None:
            return keys in self.blocks
        return line in self.blocks.get(keys, [])

    def text(self) -> str:
        """The config as vtysh reads it (each block closed with `exit` per level)."""
        out: list[str] = []
        for keys, lines in self.blocks.items():
            if len(keys) == 1 and not lines and not is_block(keys[0], ()):
                out.append(keys[0])
                continue
            out += [" " * depth + key for depth, key in enumerate(keys)]
            out += [" " * len(keys) + line for line in lines]
            out += [" " * depth + "exit" for depth in reversed(range(len(keys)))]
            out.append("!")
        return "\n".join(out) + "\n"


def is_block(line: str, parents: Keys) -> bool:
    """Whether `line` opens a block inside `parents` (frr-reload.py's keyword tree)."""
    return _keyword(line, _tree(parents)) is not None


def _tree(parents: Keys) -> Tree:
    tree = CONTEXT_KEYWORDS
    for key in parents:
        keyword = _keyword(key, tree)
        tree = tree[keyword] if keyword is not None else {}
    return tree


def _keyword(line: str, tree: Tree) -> str | None:
    for keyword in tree:
        if line.startswith(keyword) and not (keyword == "candidate-path " and "explicit" in line):
            return keyword
    return None


def normalize(keys: Keys, line: str) -> str:
    """A statement as frr-reload.py compares it: whitespace compressed, network addresses without host bits,
    `null0` as `Null0` (FRR shows them so)."""
    line = " ".join(line.split())
    route = re.match(r"^(no )?(ipv6|ip) route (\S+)(.*)$", line)
    if route and "/" in route.group(3):
        line = f"{route.group(1) or ''}{route.group(2)} route {_network(route.group(3))}{route.group(4)}"
        line = re.sub(r"\s+null0(\s*$)", r" Null0\1", line)
    prefix_list = re.match(r"^(no )?(ipv6|ip) prefix-list (.*?)(permit|deny) (\S+)(.*)$", line)
    if prefix_list and "/" in prefix_list.group(5):
        groups = prefix_list.groups()
        line = f"{groups[0] or ''}{groups[1]} prefix-list {groups[2]}{groups[3]} {_network(groups[4])}{groups[5]}"
    if keys and keys[0].startswith("router "):
        network = re.match(r"^(no )?network (\S+)(.*)$", line)
        if network and "/" in network.group(2):
            line = f"{network.group(1) or ''}network {_network(network.group(2))}{network.group(3)}"
    return line


def _network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def _statements(text: str) -> Iterator[tuple[Keys, str | None, int]]:
    """(block keys, line or None for a block/top-level statement, line number) for every statement."""
    keys: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split())
        if not line or line.startswith(("!", "#")):
            continue
        if line.startswith("exit"):
            if keys:
                keys.pop()
            continue
        if line == "end":
            keys.clear()
            continue
        if is_block(line, tuple(keys)):
            keys.append(normalize(tuple(keys), line))
            yield tuple(keys), None, number
        elif not keys:
            yield (normalize((), line),), None, number
        else:
            yield tuple(keys), normalize(tuple(keys), line), number


def merge_lines(marked: str, original: str) -> list[Line]:
    """The merge's statements from its `vtysh -m` marking, each with its line number in the user's text.

    A block opened and left without a statement is kept as a Line of its own (entering `router ospf` creates
    the instance); a top-level statement is a Line with keys ().
    """
    user = [" ".join(line.split()) for line in original.splitlines()]
    position = 0
    lines: list[Line] = []
    for keys, line, _ in _statements(marked):
        wanted = line if line is not None else keys[-1]
        number = 0
        for index in range(position, len(user)):
            if user[index] and normalize(keys if line is not None else keys[:-1], user[index]) == wanted:
                number, position = index + 1, index + 1
                break
        if line is None:
            lines.append(Line(keys[:-1], keys[-1], number))
        else:
            lines.append(Line(keys, line, number))
    return lines


def merge(running: str, marked: str, original: str) -> Merged:
    """The config that results from typing the merge (`marked`: its `vtysh -m` output) over `running`."""
    config = Config.parse(running)
    effects: list[Effect] = []
    lines = merge_lines(marked, original)
    for index, line in enumerate(lines):
        block = (*line.keys, line.text)
        if is_block(line.text, line.keys) and any(later.keys[:len(block)] == block for later in lines[index + 1:]):
            continue  # a block with statements: they create it (a block with only `no` lines is not created)
        if line.text.startswith("no "):
            effects.append(_negate(config, line))
        else:
            effects.append(_add(config, line))
    text = config.text()
    # A later line can undo an earlier one (`ip route X` then `no ip route X`): only what holds at the end counts.
    return Merged(text, [effect for effect in effects if effect.kind != "none" and not check([effect], text)])


def _add(config: Config, line: Line) -> Effect:
    blocks = config.blocks
    if line.keys == () or is_block(line.text, line.keys):
        keys = (*line.keys, line.text)
        if keys not in blocks and any(len(other) == len(keys) and other[:-1] == line.keys
                                      and abbreviates(line.text, other[-1]) for other in blocks):
            return Effect(line, "none")  # an abbreviation of a configured statement or block
        if line.keys:
            blocks.setdefault(line.keys, [])
        if len(keys) == 1 and (f"no {line.text}",) in blocks:
            del blocks[(f"no {line.text}",)]
            return Effect(line, "absent", [((f"no {line.text}",), None)])
        blocks.setdefault(keys, [])
        kind = "present" if len(keys) == 1 and not is_block(line.text, ()) else "none"
        return Effect(line, kind)
    for depth in range(1, len(line.keys)):
        blocks.setdefault(line.keys[:depth], [])
    lines = blocks.setdefault(line.keys, [])
    if line.text not in lines and any(abbreviates(line.text, text) for text in lines):
        return Effect(line, "none")  # an abbreviation of a configured line: nothing to add
    if f"no {line.text}" in lines:
        # A setting FRR shows in its `no` form: the line restores the default, which FRR does not show.
        lines.remove(f"no {line.text}")
        return Effect(line, "absent", [(line.keys, f"no {line.text}")])
    if line.text not in lines:
        lines.append(line.text)
    return Effect(line, "present")


def _negate(config: Config, line: Line) -> Effect:
    target = line.text[3:]
    blocks = config.blocks
    depth = len(line.keys)
    heads = matching(target, [keys[depth] for keys in blocks if keys[:depth] == line.keys and len(keys) > depth])
    if line.keys == () or heads:
        # A top-level statement or block, or a sub-block (`no address-family ...` inside `router bgp`).
        found = [keys for keys in blocks if keys[:depth] == line.keys and len(keys) > depth and keys[depth] in heads]
        if found:
            for keys in found:
                del blocks[keys]
            return Effect(line, "absent", [(keys, None) for keys in found])
        if (*line.keys, line.text) in blocks:
            return Effect(line, "none")  # `no X` is what runs already
        if line.keys == () and (target.startswith(_ABSENT_NO_OP_TOP) or is_block(target, ())):
            return Effect(line, "none")
        blocks[(*line.keys, line.text)] = []
        return Effect(line, "negated")
    lines = blocks.get(line.keys)
    if lines is None:
        # `no X` inside a block that is not configured: nothing to remove (the block is not created).
        return Effect(line, "none")
    removed = matching(target, lines)
    if removed:
        for text in removed:
            lines.remove(text)
        return Effect(line, "absent", [(line.keys, text) for text in removed])
    if line.text in lines or _ABSENT_NO_OP_IN_BLOCK.match(target):
        return Effect(line, "none")
    lines.append(line.text)
    return Effect(line, "negated")


#: A word vtysh may read as an abbreviated keyword: FRR's keywords are lower case (names such as a route map's
#: `RM` or an interface's `eth1` are compared exactly, or `no interface eth1` could match `eth10`).
_KEYWORD = re.compile(r"^[a-z][a-z-]*$")


def abbreviates(short: str, full: str, whole: bool = True) -> bool:
    """Whether `short` is `full` as vtysh reads abbreviations: each keyword may be cut short (`ip rout` is
    `ip route`), any other word (address, number, name) is exact. whole=False: `short` may stop early."""
    words, full_words = short.split(), full.split()
    if len(words) > len(full_words) or (whole and len(words) != len(full_words)):
        return False
    return all(word == other or (_KEYWORD.match(word) is not None and other.startswith(word))
               for word, other in zip(words, full_words, strict=False))


def matching(target: str, texts: list[str]) -> list[str]:
    """The statements `no <target>` removes, as vtysh matches them: the exact one; else every one that starts
    with the target's words; else the same, reading keywords in the target as abbreviations."""
    for found in ([text for text in texts if text == target],
                  [text for text in texts if text.startswith(target + " ")],
                  [text for text in texts if abbreviates(target, text)],
                  [text for text in texts if abbreviates(target, text, whole=False)]):
        if found:
            return found
    return []


def check(effects: list[Effect], running: str) -> list[str]:
    """What of the merge did not take effect in `running` (the config after the commit): one sentence each."""
    config = Config.parse(running)
    problems: list[str] = []
    for effect in effects:
        line = effect.line
        text = sanitize(line.text)  # a line carrying a secret is named without it
        where = f"line {line.number} `{text}`" if line.number else f"`{text}`"
        if line.keys:
            where += f" (in `{' / '.join(line.keys)}`)"
        if effect.kind == "present":
            shown = ([keys[0] for keys in config.blocks if len(keys) == 1] if line.keys == ()
                     else config.blocks.get(line.keys, []))
            if not any(abbreviates(line.text, text) for text in shown):
                problems.append(f"{where}: not in the running config after the commit (FRR shows no line that "
                                "sets a default value: leave such lines out of a merge)")
        elif effect.kind == "absent":
            still = [sanitize(text or keys[-1]) for keys, text in effect.removed if config.has(keys, text)]
            if still:
                problems.append(f"{where}: still configured after the commit: {', '.join(still)}")
        elif effect.kind == "negated":
            target = line.text[3:]
            shown = ([keys[0] for keys in config.blocks if len(keys) == 1] if line.keys == ()
                     else config.blocks.get(line.keys, []))
            still = [text for text in shown if abbreviates(target, text)]
            if still:
                problems.append(f"{where}: still configured after the commit: {', '.join(map(sanitize, still))}")
    return problems
