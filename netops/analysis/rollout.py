"""Rollout progress: sites per lifecycle status, per district and per site kind; and each site's state, its
evidence, how long it has been in its state and what its next step needs (from the sites' rollout ledgers)."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from citynet_models.network import Network
from citynet_models.rollout import SiteLedger, next_state, next_step_needs
from citynet_models.types import DeviceRole, LifecycleStatus

#: Statuses that count as done: the site is verified or handed over.
DONE = (LifecycleStatus.VERIFIED, LifecycleStatus.ACCEPTED)
CITY_LEVEL = "city"


@dataclass(frozen=True)
class RolloutRow:
    """Sites of one group by lifecycle status."""

    key: str  # district code, "city" for city-level sites, a site kind, or "total"
    name: str
    counts: dict[str, int]
    total: int
    done: int
    #: done / (total - decommissioned), in percent with one decimal; None when nothing is in scope
    done_percent: float | None


@dataclass(frozen=True)
class RolloutReport:
    """Rollout progress of the city."""

    statuses: tuple[str, ...]
    districts: tuple[RolloutRow, ...]
    kinds: tuple[RolloutRow, ...]
    total: RolloutRow
    #: Every site (of the district asked for), by area then slug.
    sites: tuple["SiteProgress", ...] = field(default=())


@dataclass(frozen=True)
class SiteProgress:
    """Where one site is in its rollout, and what holds it there."""

    site: str
    name: str
    district: str  # the aggregation area or district code, "city" for city-level sites
    state: str
    #: When the site entered its state (ISO 8601, UTC); None without a ledger (planned since it was written).
    since: str | None
    #: Whole days in the state at the time of the report; None without a ledger.
    age_days: int | None
    #: Every evidence file the ledger lists, oldest first (files of <intent>/rollout/<slug>/).
    evidence: tuple[str, ...]
    #: The next state, and what reaching it needs; None once accepted or decommissioned.
    next: str | None
    blocked_by: str | None


#: Devices whose configs a site's provisioning pushes (the lifecycle's provisioned evidence, one diff each).
_ROUTER_ROLES = frozenset({DeviceRole.CORE, DeviceRole.AGGREGATION, DeviceRole.ACCESS_ROUTER})


def _routers_by_site(network: Network) -> dict[str, set[str]]:
    """Each site's routers and the upstream routers its links attach to."""
    site_of = {device.name: device.site for device in network.devices}
    routers: dict[str, set[str]] = {}
    for device in network.devices:
        if device.role in _ROUTER_ROLES:
            routers.setdefault(device.site, set()).add(device.name)
    for link in network.links:
        site = site_of.get(link.downstream.device)
        if site is not None:
            routers.setdefault(site, set()).add(link.upstream.device)
    return routers


def _progress(network: Network, district: str | None, ledgers: Mapping[str, SiteLedger],
              now: datetime) -> tuple[SiteProgress, ...]:
    routers = _routers_by_site(network)
    rows: list[SiteProgress] = []
    for site in network.sites:
        if district is not None and site.area != district:
            continue
        ledger = ledgers.get(site.slug)
        last = ledger.transitions[-1] if ledger is not None and ledger.transitions else None
        upcoming = next_state(site.status)
        steps = ledger.transitions if ledger is not None else ()
        rows.append(SiteProgress(
            site=site.slug, name=site.name, district=site.area or CITY_LEVEL, state=site.status.value,
            since=last.at.isoformat().replace("+00:00", "Z") if last is not None else None,
            age_days=max(0, (now - last.at).days) if last is not None else None,
            evidence=tuple(name for step in steps for name in step.evidence),
            next=upcoming.value if upcoming is not None else None,
            blocked_by=next_step_needs(site.status, sorted(routers.get(site.slug, ())))))
    return tuple(sorted(rows, key=lambda r: (r.district != CITY_LEVEL, r.district, r.site)))


def _row(key: str, name: str, statuses: list[LifecycleStatus]) -> RolloutRow:
    counts = Counter(statuses)
    total = len(statuses)
    done = sum(counts[s] for s in DONE)
    in_scope = total - counts[LifecycleStatus.DECOMMISSIONED]
    return RolloutRow(
        key=key,
        name=name,
        counts={s.value: counts[s] for s in LifecycleStatus},
        total=total,
        done=done,
        done_percent=round(100 * done / in_scope, 1) if in_scope else None,
    )


def rollout(network: Network, district: str | None = None, ledgers: Mapping[str, SiteLedger] | None = None,
            now: datetime | None = None) -> RolloutReport:
    """Sites per status per district (city-level sites first) and per site kind, and each site's progress.

    ``district`` (a code) restricts the report to one district's sites. ``ledgers`` are the sites' rollout
    ledgers by slug (a site without one has no evidence yet); ``now`` is when the report is made (the age of a
    state counts up to it).
    """
    by_district: dict[str, list[LifecycleStatus]] = {}
    by_kind: dict[str, list[LifecycleStatus]] = {}
    everything: list[LifecycleStatus] = []
    for site in network.sites:
        if district is not None and site.area != district:
            continue
        by_district.setdefault(site.area or CITY_LEVEL, []).append(site.status)
        by_kind.setdefault(site.kind, []).append(site.status)
        everything.append(site.status)
    names = {code: group.name for code, group in network.groups.items()}
    keys = sorted(by_district, key=lambda k: (k != CITY_LEVEL, k))
    return RolloutReport(
        statuses=tuple(s.value for s in LifecycleStatus),
        districts=tuple(_row(k, names.get(k, "city level"), by_district[k]) for k in keys),
        kinds=tuple(_row(k, k.replace("_", " "), by_kind[k]) for k in sorted(by_kind)),
        total=_row("total", "total", everything),
        sites=_progress(network, district, ledgers or {}, now or datetime.now().astimezone()),
    )
