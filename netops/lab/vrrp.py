"""Which router holds each shared LAN's gateway in the lab (`status`, the failover tests and benchmark).

The ground truth is the virtual address on a member's LAN interface: keepalived (no vmac here, the lab kernel
has no macvlan) adds it to the interface when its instance becomes master and removes it when the instance
leaves that state, and that address is what the hosts' traffic reaches. keepalived's own report is not used:
`--signum=DATA` makes every keepalived of the machine dump to the same /tmp/keepalived.data, so with one
keepalived per router the dumps overwrite one another. Reading addresses needs no signal and no file.
"""

import json
from dataclasses import dataclass

from netops.lab.netns import existing_namespaces, run
from netops.lab.pool import parallel
from netops.lab.topology import LabPlan, SegmentPlan


@dataclass(frozen=True)
class VrrpGroup:
    """A shared LAN in `status`: its virtual gateway and the members holding it now."""

    netns: str  # the segment's namespace
    site: str
    lan: str
    vlan: int
    virtual_address: str
    members: tuple[str, ...]  # the model's order: the configured master first
    masters: tuple[str, ...]  # members whose LAN interface holds the virtual address (one, when all is well)

    @property
    def master(self) -> str | None:
        """The one member holding the gateway, or None (nobody, or several: a split brain)."""
        return self.masters[0] if len(self.masters) == 1 else None


def _addresses(netns: str, interface: str) -> set[str]:
    """The IPv4 addresses on an interface of a namespace (empty when either is missing)."""
    shown = run(["ip", "-n", netns, "-j", "-4", "address", "show", "dev", interface], check=False)
    if shown.returncode != 0 or not shown.stdout.strip():
        return set()
    return {str(info.get("local")) for entry in json.loads(shown.stdout) for info in entry.get("addr_info", [])}


def holders(plan: LabPlan, segment: SegmentPlan) -> tuple[str, ...]:
    """The members whose LAN interface holds the segment's virtual address, in the model's order."""
    namespaces = existing_namespaces()
    virtual = str(segment.virtual_address.ip)
    found = []
    for member in segment.members:
        netns = plan.router_by_device[member.device].netns
        if netns in namespaces and virtual in _addresses(netns, member.interface):
            found.append(member.device)
    return tuple(found)


def groups(plan: LabPlan) -> list[VrrpGroup]:
    """Every shared LAN of the lab and who holds its gateway now."""
    held = parallel(lambda segment: holders(plan, segment), list(plan.segments))
    return [VrrpGroup(netns=s.netns, site=s.site, lan=s.lan, vlan=s.vlan, virtual_address=str(s.virtual_address.ip),
                      members=tuple(m.device for m in s.members), masters=masters)
            for s, masters in zip(plan.segments, held, strict=True)]
