"""Rollout progress: sites per lifecycle status, per district and per site kind."""

from collections import Counter
from dataclasses import dataclass

from citynet_models.network import Network
from citynet_models.types import LifecycleStatus

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


def rollout(network: Network, district: str | None = None) -> RolloutReport:
    """Sites per status per district (city-level sites first) and per site kind.

    ``district`` (a code) restricts the report to one district's sites.
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
    names = {d.code: d.name for d in network.areas}
    keys = sorted(by_district, key=lambda k: (k != CITY_LEVEL, k))
    return RolloutReport(
        statuses=tuple(s.value for s in LifecycleStatus),
        districts=tuple(_row(k, names.get(k, "city level"), by_district[k]) for k in keys),
        kinds=tuple(_row(k, k.replace("_", " "), by_kind[k]) for k in sorted(by_kind)),
        total=_row("total", "total", everything),
    )
