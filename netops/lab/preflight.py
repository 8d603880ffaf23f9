"""What `up` checks before it makes anything: root, the programs it runs, a home others can traverse, and
names (namespaces, links, the FRR config dirs, the login user, management routes) no one else holds."""

import json
import os
import shutil
from ipaddress import IPv4Network, ip_network
from pathlib import Path

from netops.lab import frr, hostd, monitoring, sshd
from netops.lab.errors import LabError
from netops.lab.netns import existing_namespaces, root_links, run
from netops.lab.state import LabState
from netops.lab.topology import LabPlan, management_links


def preflight() -> None:
    """Root and the programs the lab runs (FRR, sshd, snmpd, chronyd, rsyslogd, lldpd); LabError naming the
    Debian package of what is missing."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, veth pairs, FRR, sshd, host daemons)",
                       hint="run it as root, e.g. sudo .venv/bin/netops lab up")
    missing = {**frr.missing(), **sshd.missing(), **hostd.missing(), **monitoring.missing()}
    for program, package in (("ip", "iproute2"), ("nft", "nftables"), ("unshare", "util-linux")):
        if shutil.which(program) is None:
            missing[program] = package
    if missing:
        packages = sorted(set(missing.values()))
        raise LabError(f"missing: {', '.join(sorted(missing))}",
                       hint=f"install the Debian package{'s' if len(packages) > 1 else ''} {' '.join(packages)} "
                            "(scripts/install-system-packages installs everything the project needs)")


def check_traversable(path: Path) -> None:
    """The frr user and the login user must reach the per-router folders."""
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise LabError(f"{parent} is not searchable by other users (mode {parent.stat().st_mode & 0o777:o}); "
                           "FRR (user frr) and the router login user must traverse the lab home",
                           hint=f"chmod o+x {parent}, or set NETOPS_LAB_HOME to a folder under /var/tmp")


def refuse_foreign(plan: LabPlan, state: LabState) -> None:
    """Names the lab would use that exist but were not made by this lab: exit 2, nothing made."""
    ours = set(state.namespaces)
    taken = sorted(n for n in existing_namespaces() & set(plan.namespaces()) if n not in ours)
    links = root_links()
    taken += sorted(f"link {name}" for name in management_links(plan)
                    if name in links and name not in state.root_links)
    taken += sorted(str(frr.ETC_FRR / r.netns) for r in plan.frr_routers()
                    if (frr.ETC_FRR / r.netns).exists() and str(frr.ETC_FRR / r.netns) not in state.etc_links)
    user = sshd.login_user()
    if sshd.user_exists(user) and state.made_user != user:
        taken.append(f"user {user}")
    if taken:
        raise LabError(f"taken by something this lab did not make: {', '.join(taken[:8])}"
                       + (f" and {len(taken) - 8} more" if len(taken) > 8 else ""),
                       hint="another lab may be up (netops lab down with its NETOPS_LAB_HOME), or remove them;"
                            " a login user of another name: NETOPS_LAB_USER")
    overlapping = _root_routes_into(plan.management.network, plan.management.bridge)
    if overlapping:
        raise LabError(f"the root namespace already routes into the management network "
                       f"{plan.management.network}: {'; '.join(overlapping)}",
                       hint="the lab's management bridge would clash with it; free that range first")


def _root_routes_into(network: IPv4Network, bridge: str) -> list[str]:
    """Routes of the root namespace (but the lab bridge's own) into the management network."""
    routes = json.loads(run(["ip", "-j", "-4", "route", "show", "table", "all"]).stdout or "[]")
    clashes = []
    for route in routes:
        dst = route.get("dst", "")
        if dst in ("default", "") or route.get("dev") == bridge or route.get("type") in ("broadcast", "local"):
            continue
        try:
            prefix = ip_network(dst if "/" in dst else f"{dst}/32", strict=False)
        except ValueError:
            continue
        if prefix.overlaps(network):
            clashes.append(f"{dst} dev {route.get('dev')}")
    return clashes
