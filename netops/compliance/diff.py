"""Intended vs actual, per config section, with the commands that bring the device back (hier_config v3).

hier_config compares configs as trees: children are a set (order-insensitive), except where the platform
makes order matter and the driver says so (IOS-XE ACL entries get sequence numbers; our nftables chains
get rule numbers). Drivers: hier_config's `cisco_ios` for IOS-XE, `huawei_vrp` for VRP, each with the VRRP
commands that replace each other (below), and `FrrDriver` for frr.conf (hier_config has none: FRR is
"no"-negated like IOS, with its own sectional `exit`s).
The host parts of FRR (the host daemons' files, dhcrelay) are compared by hier_config's generic driver, nft
by NftDriver below; their remediation is to redeploy the rendered file, never a per-line negation.
"""

from dataclasses import dataclass
from functools import cache

from hier_config import HConfig, HConfigChild, MatchRule, Platform, get_hconfig_driver, get_hconfig_fast_load
from hier_config.models import IdempotentCommandsRule, PerLineSubRule, SectionalExitingRule
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules
from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

from citynet_models.types import Platform as NetopsPlatform
from netops.compliance.tree import tree
from netops.hostfiles import HOST_FILES, install_commands

GLOBAL = "(global)"


class FrrDriver(HConfigDriverBase):
    """FRRouting frr.conf (vtysh `show running-config`): `no` negation, `exit` closing sections."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        last_wins = ("hostname ", "description ", "ip ospf cost ", "ip ospf area ", "ip ospf network ",
                     "ospf router-id ", "bgp router-id ", "log syslog ", "frr defaults ")
        return HConfigDriverRules(
            per_line_sub=[PerLineSubRule(search=r"^\s*!.*", replace=""),
                          PerLineSubRule(search=r"^\s*(exit|exit-address-family|exit-vrf|end)\s*$", replace=""),
                          PerLineSubRule(search=r"^(frr version |Building configuration|Current configuration).*",
                                         replace="")],
            idempotent_commands=[IdempotentCommandsRule(match_rules=(MatchRule(startswith=prefix),))
                                 for prefix in last_wins]
            + [IdempotentCommandsRule(match_rules=(MatchRule(startswith="interface "),
                                                   MatchRule(startswith=prefix))) for prefix in last_wins]
            + [IdempotentCommandsRule(match_rules=(MatchRule(startswith="router "),
                                                   MatchRule(startswith=prefix))) for prefix in last_wins],
            sectional_exiting=[
                SectionalExitingRule(match_rules=(MatchRule(startswith="router bgp"),
                                                  MatchRule(startswith="address-family")),
                                     exit_text="exit-address-family"),
            ],
        )


class IosXeDriver(HConfigDriverCiscoIOS):
    """IOS-XE: hier_config's cisco_ios, plus VRRPv3. Inside `vrrp <group> address-family ipv4` a new priority,
    preemption, timer or primary address replaces the old one (remediation sets it, never `no` first, which
    would briefly fall back to the default and could hand mastership over), and so does a track object's
    decrement; a global `track <n>` object is replaced by its number."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = HConfigDriverCiscoIOS._instantiate_rules()
        vrrp = (MatchRule(startswith="interface "), MatchRule(re_search=r"^vrrp \d+ address-family ipv4$"))
        rules.idempotent_commands.extend(
            [IdempotentCommandsRule(match_rules=(*vrrp, MatchRule(re_search=pattern)))
             for pattern in (r"^(priority) ", r"^(preempt)", r"^(timers advertise) ", r"^address \S+ (primary)$",
                             r"^track (\d+) decrement ")]
            + [IdempotentCommandsRule(match_rules=(MatchRule(re_search=r"^track (\d+) interface "),))])
        return rules


class VrpDriver(HConfigDriverHuaweiVrp):
    """VRP: hier_config's huawei_vrp, plus VRRP. A group's new virtual address, priority, preemption mode, timer
    or a tracked interface's reduction replaces the old one (per group, per tracked interface)."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = HConfigDriverHuaweiVrp._instantiate_rules()
        rules.idempotent_commands.extend(
            IdempotentCommandsRule(match_rules=(MatchRule(startswith="interface "), MatchRule(re_search=pattern)))
            for pattern in (r"^vrrp vrid (\d+) (virtual-ip) ", r"^vrrp vrid (\d+) (priority) ",
                            r"^vrrp vrid (\d+) (preempt-mode) ", r"^vrrp vrid (\d+) (timer advertise) ",
                            r"^vrrp vrid (\d+) track interface (\S+) reduced "))
        return rules


def _number_chain_rules(config: HConfig) -> None:
    """nftables: the order of a chain's rules is its meaning (first match wins): number them like ACL entries."""
    for table in config.children:
        for chain in table.children:
            if chain.text.startswith("chain "):
                for index, rule in enumerate(chain.children, start=1):
                    rule.text = f"{index * 10} {rule.text}"


class NftDriver(HConfigDriverBase):
    """nftables rulesets (braces turned into indentation by netops.compliance.tree)."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return HConfigDriverRules(post_load_callbacks=[_number_chain_rules])


@cache
def driver(platform: NetopsPlatform, part: str) -> HConfigDriverBase:
    """The hier_config driver of a platform's config part."""
    if part == "nft":
        return NftDriver()
    if part != "cfg":
        return get_hconfig_driver(Platform.GENERIC)
    if platform is NetopsPlatform.CISCO_IOSXE:
        return IosXeDriver()
    if platform is NetopsPlatform.HUAWEI_VRP:
        return VrpDriver()
    return FrrDriver()


@dataclass(frozen=True)
class SectionDiff:
    """What differs in one section of one part: lines missing on the device, lines it has extra, the fix."""

    part: str
    section: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    remediation: tuple[str, ...]


def _dump(node: HConfigChild, base: int) -> list[str]:
    lines = ["  " * (node.depth() - base) + node.text]
    for child in node.children:
        lines.extend(_dump(child, base))
    return lines


def _by_section(config: HConfig) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for child in config.children:
        if child.children:
            grouped.setdefault(child.text, []).extend(_dump(child, 2)[1:])
        else:
            grouped.setdefault(GLOBAL, []).append(child.text)
    return grouped


def diff_part(platform: NetopsPlatform, part: str, device: str, intended: list[str],
              actual: list[str]) -> list[SectionDiff]:
    """Sections that differ (sorted: global first), each with its remediation."""
    hdriver = driver(platform, part)
    wanted = get_hconfig_fast_load(hdriver, intended)
    running = get_hconfig_fast_load(hdriver, actual)
    missing = _by_section(wanted.difference(running))
    extra = _by_section(running.difference(wanted))
    reordered = _reordered(platform, part, intended, actual, set(missing) | set(extra))
    sections = sorted(set(missing) | set(extra), key=lambda s: (s != GLOBAL, s))
    if not sections:
        return reordered
    fixes: dict[str, list[str]] = {}
    if part == "cfg":
        remediation = running.config_to_get_to(wanted)
        negation = hdriver.negation_prefix
        for child in remediation.children:
            key = child.text
            if not child.children:
                bare = key.removeprefix(negation)
                key = bare if bare in missing or bare in extra else GLOBAL
            fixes.setdefault(key, []).extend(_dump(child, 1))
    else:
        for section in sections:
            fixes[section] = _redeploy(part, device)
    return sorted([SectionDiff(part, section, tuple(missing.get(section, ())), tuple(extra.get(section, ())),
                               tuple(fixes.get(section, ()))) for section in sections] + reordered,
                  key=lambda d: (d.section != GLOBAL, d.section))


#: Sections whose entries are evaluated in order (first match wins): a reorder is a change there.
#: hier_config compares ACL entries without their sequence numbers, so the order is checked here.
_ORDERED = {(NetopsPlatform.CISCO_IOSXE, "cfg"): ("ip access-list ", "ipv6 access-list "),
            (NetopsPlatform.HUAWEI_VRP, "cfg"): ("acl ",)}


def _reordered(platform: NetopsPlatform, part: str, intended: list[str], actual: list[str],
               changed: set[str]) -> list[SectionDiff]:
    prefixes = _ORDERED.get((platform, part))
    if prefixes is None:
        return []
    wanted = {n.text: [c.text for c in n.children] for n in tree(intended).children if n.text.startswith(prefixes)}
    found = {n.text: [c.text for c in n.children] for n in tree(actual).children if n.text.startswith(prefixes)}
    diffs = []
    negation = "undo " if platform is NetopsPlatform.HUAWEI_VRP else "no "
    for section, entries in sorted(wanted.items()):
        if section in changed or section not in found or found[section] == entries:
            continue
        if sorted(found[section]) != sorted(entries):
            continue  # a content change hier_config already reports
        moved = [i for i, (want, have) in enumerate(zip(entries, found[section], strict=True)) if want != have]
        diffs.append(SectionDiff(part, section, tuple(f"entry {i + 1}: {entries[i]}" for i in moved),
                                 tuple(f"entry {i + 1}: {found[section][i]}" for i in moved),
                                 (f"{negation}{section}", section, *(f"  {e}" for e in entries))))
    return diffs


def _redeploy(part: str, device: str) -> list[str]:
    """How a host part is brought back: the rendered file is deployed whole (each is loaded atomically)."""
    if part == "nft":
        return [f"nft -f {device}.nft   # the rendered ruleset: delete and redefine table inet netops atomically"]
    if part == "dhcrelay":
        return [f"install -m 0644 {device}.dhcrelay /etc/default/isc-dhcp-relay",
                "systemctl restart isc-dhcp-relay"]
    return install_commands(device, part)


def whole_part(part: str, device: str, lines: list[str], present: bool) -> SectionDiff:
    """A part the device has and the model does not render (present) or the reverse."""
    body = tuple(line for line in lines if not line.startswith(" "))
    if present:
        fix = (("rm /etc/default/isc-dhcp-relay && systemctl disable --now isc-dhcp-relay",)
               if part == "dhcrelay" else
               (f"the model renders no {part}: remove {HOST_FILES[part].path} or restore the package's own",)
               if part in HOST_FILES else (f"remove the {part} part from the device",))
        return SectionDiff(part, GLOBAL, (), body, fix)
    return SectionDiff(part, GLOBAL, body, (), tuple(_redeploy(part, device)))
