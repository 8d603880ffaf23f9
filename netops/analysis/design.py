"""The city's design rules (`Network.design`), each checked against the model: pass or fail, with what breaks it.

Each rule kind reads one analysis:

- ``max_sites_cut``: the what-if sweep of every single router and link failure (:mod:`netops.analysis.whatif`,
  redundancy-aware: a LAN stays up while any of its VRRP members reaches any gateway of a service). A failure
  breaks the rule when it cuts more than ``max_sites`` sites from one of the rule's services; a site counts as
  cut as soon as one of its LANs is;
- ``dual_homed`` and ``providers``: each site's attachment (:mod:`netops.analysis.redundancy`): a single uplink
  or a single upstream router; fewer carriers than ``min_providers``;
- ``first_hop_redundancy``: the LANs of sites with two or more routers that have no VRRP group;
- ``ha_pair``: the devices of the rule's roles that stand in no HA pair.

A break is *accepted* when an accepted risk covers it: the risk names the rule (or names none: every rule),
one of its globs matches the site and its kinds (if it lists any) include the site's kind. A failure that
breaks ``max_sites_cut`` is accepted when every site it cuts other than the failed element's own site is
covered. A rule passes when none of its breaks is unaccepted (``status``: ``pass``, ``accepted`` when it has
breaks and all are accepted, ``fail``).

The report also lists every single failure that still cuts a site, the accepted ones marked: what the city
lives with.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from citynet_models.design_rules import (
    AcceptedRisk,
    DesignRule,
    DualHomedRule,
    FirstHopRedundancyRule,
    HaPairRule,
    MaxSitesCutRule,
    ProvidersRule,
)
from citynet_models.network import Network
from citynet_models.problems import Problem, item
from citynet_models.sites import Site
from netops.analysis.redundancy import SiteAttachment, attachments
from netops.analysis.whatif import Impact, WhatIfReport, single_failures
from netops.gc_policy import no_cyclic_gc

#: What-if's element kinds for the rule's failure kinds.
_FAILURE_KINDS = {"device": "router", "link": "link"}


@dataclass(frozen=True)
class RuleBreak:
    """One thing that breaks a rule: a failure (max_sites_cut), a site, a LAN or a device."""

    #: a router name or link id, a site slug, ``site/lan``, or a device name
    subject: str
    #: "router", "link", "site", "lan" or "device"
    kind: str
    #: the site the subject belongs to (a failure: the failed element's own site; a link's: its downstream site)
    site: str
    district: str | None
    #: the sites it concerns (a failure: the sites it cuts from the rule's services)
    sites: tuple[str, ...]
    detail: str
    accepted: bool
    #: indexes into DesignReport.accepted_risks of the risks covering it
    risks: tuple[int, ...]


@dataclass(frozen=True)
class RuleResult:
    """A rule, what it checked, and its breaks."""

    rule: str
    kind: str
    description: str | None
    statement: str
    #: how many failures, sites, LANs or devices it checked
    checked: int
    status: str  # pass, accepted, fail
    breaks: tuple[RuleBreak, ...]

    @property
    def unaccepted(self) -> tuple[RuleBreak, ...]:
        """The breaks no accepted risk covers."""
        return tuple(b for b in self.breaks if not b.accepted)


@dataclass(frozen=True)
class RiskSummary:
    """An accepted risk as the city wrote it, and how many breaks it covers."""

    sites: tuple[str, ...]
    site_kinds: tuple[str, ...]
    levels: tuple[str, ...]
    rules: tuple[str, ...]
    reason: str
    accepted_by: str | None
    review_by: str | None
    covers: int


@dataclass(frozen=True)
class FailureCut:
    """A single failure that still cuts at least one site from a service."""

    element: str
    kind: str  # router or link
    site: str
    district: str | None
    sites_cut: int
    sites: tuple[str, ...]
    own_site_only: bool
    #: every site it cuts beyond its own is covered by an accepted risk of the max_sites_cut rules
    accepted: bool
    #: the max_sites_cut rules it breaks
    breaks: tuple[str, ...]


@dataclass(frozen=True)
class DesignReport:
    """Every design rule's result, the accepted risks, and the single failures that still cut sites."""

    rules: tuple[RuleResult, ...]
    accepted_risks: tuple[RiskSummary, ...]
    failures: tuple[FailureCut, ...]
    algorithm: str

    @property
    def ok(self) -> bool:
        """No rule has an unaccepted break."""
        return all(rule.status != "fail" for rule in self.rules)

    @property
    def unaccepted(self) -> int:
        """How many breaks no accepted risk covers."""
        return sum(len(rule.unaccepted) for rule in self.rules)

    def restricted(self, keep: Callable[[str], bool]) -> "DesignReport":
        """The report limited to what concerns the sites ``keep`` selects: breaks of or cutting such a site,
        failures cutting one; rules judged on what is left."""
        rules = []
        for rule in self.rules:
            breaks = tuple(b for b in rule.breaks if keep(b.site) or any(keep(s) for s in b.sites))
            rules.append(replace(rule, breaks=breaks, status=_status(breaks)))
        failures = tuple(f for f in self.failures if keep(f.site) or any(keep(s) for s in f.sites))
        return replace(self, rules=tuple(rules), failures=failures)


def _status(breaks: Sequence[RuleBreak]) -> str:
    if not breaks:
        return "pass"
    return "accepted" if all(b.accepted for b in breaks) else "fail"


class _Risks:
    """Which accepted risks cover a site for a rule."""

    def __init__(self, risks: Sequence[AcceptedRisk], sites: dict[str, Site]) -> None:
        self.risks = tuple(risks)
        self.sites = sites
        self.covers = [0] * len(self.risks)
        # A failure's sites are asked about again by each rule and by the list of failures.
        self._known: dict[tuple[str, frozenset[str]], tuple[int, ...]] = {}

    def covering(self, site: str, rules: set[str]) -> tuple[int, ...]:
        """Indexes of the risks accepting a break of any of ``rules`` at ``site``."""
        key = (site, frozenset(rules))
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._covering(site, rules)
        return known

    def _covering(self, site: str, rules: set[str]) -> tuple[int, ...]:
        found = self.sites.get(site)
        if found is None:
            return ()
        kind, level = str(found.kind), str(found.level)
        return tuple(i for i, risk in enumerate(self.risks)
                     if (not risk.rules or rules & set(risk.rules))
                     and (not risk.site_kinds or kind in {k.value for k in risk.site_kinds})
                     and (not risk.levels or level in {v.value for v in risk.levels})
                     and any(fnmatchcase(site, glob) for glob in risk.sites))

    def count(self, indexes: Sequence[int]) -> None:
        for i in indexes:
            self.covers[i] += 1


class _Evaluator:
    """The analyses the rules read, each made once per report."""

    def __init__(self, network: Network, naive: bool) -> None:
        self.network = network
        self.naive = naive
        self.sites = {site.slug: site for site in network.sites}
        self.device_site = {device.name: device.site for device in network.devices}
        self.link_site = {link.id: self.device_site.get(link.downstream.device, "") for link in network.links}
        self.risks = _Risks(network.design.accepted_risks, self.sites)
        self._whatif: WhatIfReport | None = None
        self._attachments: dict[str, SiteAttachment] | None = None

    @property
    def whatif(self) -> WhatIfReport:
        if self._whatif is None:
            self._whatif = single_failures(self.network, naive=self.naive)
        return self._whatif

    @property
    def attachments(self) -> dict[str, SiteAttachment]:
        if self._attachments is None:
            self._attachments = {a.site: a for a in attachments(self.network)}
        return self._attachments

    def district(self, site: str) -> str | None:
        found = self.sites.get(site)
        return found.area if found is not None else None

    def own_site(self, impact: Impact) -> str:
        return self.device_site.get(impact.element, "") if impact.kind == "router" else self.link_site.get(
            impact.element, "")

    def site_break(self, rule: str, kind: str, subject: str, site: str, detail: str) -> RuleBreak:
        risks = self.risks.covering(site, {rule})
        self.risks.count(risks)
        return RuleBreak(subject=subject, kind=kind, site=site, district=self.district(site), sites=(site,),
                         detail=detail, accepted=bool(risks), risks=risks)

    # --- the rule kinds ------------------------------------------------------------------------------------

    def max_sites_cut(self, rule: MaxSitesCutRule) -> tuple[int, list[RuleBreak]]:
        kinds = {_FAILURE_KINDS[kind] for kind in rule.failures}
        services = set(rule.services)
        breaks = []
        # Every router and link of the kinds is failed; only those cutting a site are impacts.
        checked = (self.whatif.routers if "router" in kinds else 0) + (self.whatif.links if "link" in kinds else 0)
        for impact in self.whatif.impacts:
            if impact.kind not in kinds:
                continue
            cut = tuple(loss.site for loss in impact.losses if not services or services & set(loss.services))
            if len(cut) <= rule.max_sites:
                continue
            own = self.own_site(impact)
            beyond = [site for site in cut if site != own]
            covering = [self.risks.covering(site, {rule.name}) for site in beyond]
            accepted = all(covering)
            risks = tuple(sorted({i for found in covering for i in found}))
            if accepted:
                self.risks.count(risks)
            lost = sorted({s for loss in impact.losses if loss.site in cut for s in loss.services
                           if not services or s in services})
            considered = services or {path.service for path in self.whatif.services}
            what = "every service" if len(considered) > 1 and set(lost) == considered else ", ".join(lost)
            breaks.append(RuleBreak(
                subject=impact.element, kind=impact.kind, site=own, district=self.district(own), sites=cut,
                detail=f"cuts {len(cut)} sites (at most {rule.max_sites}) from {what}",
                accepted=accepted, risks=risks if accepted else ()))
        return checked, breaks

    def dual_homed(self, rule: DualHomedRule) -> tuple[int, list[RuleBreak]]:
        kinds = {kind.value for kind in rule.site_kinds}
        selected = [a for a in self.attachments.values() if a.kind in kinds]
        breaks = []
        for a in selected:
            if a.single_uplink:
                detail = f"{a.uplinks} uplink" + ("" if a.uplinks == 1 else "s")
            elif a.single_upstream_router:
                detail = f"{a.uplinks} uplinks, all to {', '.join(a.upstream_routers)}"
            else:
                continue
            breaks.append(self.site_break(rule.name, "site", a.site, a.site, detail))
        return len(selected), breaks

    def providers(self, rule: ProvidersRule) -> tuple[int, list[RuleBreak]]:
        kinds = {kind.value for kind in rule.site_kinds}
        selected = [a for a in self.attachments.values() if a.kind in kinds]
        breaks = [self.site_break(rule.name, "site", a.site, a.site,
                                  f"{len(a.providers)} carrier{'' if len(a.providers) == 1 else 's'} "
                                  f"({', '.join(a.providers) or 'no circuit'}), {rule.min_providers} needed")
                  for a in selected if len(a.providers) < rule.min_providers]
        return len(selected), breaks

    def first_hop_redundancy(self, rule: FirstHopRedundancyRule) -> tuple[int, list[RuleBreak]]:
        breaks, checked = [], 0
        for site in self.network.sites:
            routers = [d.name for d in self.network.devices_by_site.get(site.slug, []) if d.is_router]
            if len(routers) < 2:
                continue
            for lan in site.lans:
                checked += 1
                if lan.redundancy is None:
                    breaks.append(self.site_break(
                        rule.name, "lan", f"{site.slug}/{lan.name}", site.slug,
                        f"gateway {lan.gateway_device} alone, at a site with {len(routers)} routers"))
        return checked, breaks

    def ha_pair(self, rule: HaPairRule) -> tuple[int, list[RuleBreak]]:
        roles = set(rule.roles)
        paired = self.network.ha_pair_of
        devices = [d for d in self.network.devices if d.role.value in roles]
        breaks = [self.site_break(rule.name, "device", d.name, d.site, f"{d.role.value} in no HA pair")
                  for d in devices if d.name not in paired]
        return len(devices), breaks

    def evaluate(self, rule: DesignRule) -> RuleResult:
        checked, breaks = {
            "max_sites_cut": self.max_sites_cut, "dual_homed": self.dual_homed, "providers": self.providers,
            "first_hop_redundancy": self.first_hop_redundancy, "ha_pair": self.ha_pair,
        }[rule.kind](rule)  # type: ignore[operator]
        return RuleResult(rule=rule.name, kind=rule.kind, description=rule.description, statement=statement(rule),
                          checked=checked, status=_status(breaks), breaks=tuple(breaks))

    def failures(self, results: Sequence[RuleResult]) -> list[FailureCut]:
        """Every single failure that cuts a site, accepted ones marked (against the max_sites_cut rules)."""
        limits = {r.rule for r in results if r.kind == "max_sites_cut"}
        broken: dict[str, list[str]] = {}
        for result in results:
            if result.kind == "max_sites_cut":
                for b in result.breaks:
                    broken.setdefault(f"{b.kind}:{b.subject}", []).append(result.rule)
        rows = []
        for impact in self.whatif.impacts:
            own = self.own_site(impact)
            sites = tuple(loss.site for loss in impact.losses)
            accepted = not impact.own_site_only and all(
                self.risks.covering(site, limits) for site in sites if site != own)
            rows.append(FailureCut(element=impact.element, kind=impact.kind, site=own, district=self.district(own),
                                   sites_cut=impact.sites_cut, sites=sites, own_site_only=impact.own_site_only,
                                   accepted=accepted, breaks=tuple(broken.get(f"{impact.kind}:{impact.element}", ()))))
        return rows


def statement(rule: DesignRule) -> str:
    """The rule in words, from its parameters."""
    if isinstance(rule, MaxSitesCutRule):
        services = ", ".join(rule.services) if rule.services else "any service"
        return (f"no single {' or '.join(rule.failures)} failure cuts {services} from more than "
                f"{rule.max_sites} site{'' if rule.max_sites == 1 else 's'}")
    if isinstance(rule, DualHomedRule):
        return f"every {', '.join(k.value for k in rule.site_kinds)} site has two uplinks to two routers"
    if isinstance(rule, ProvidersRule):
        return (f"every {', '.join(k.value for k in rule.site_kinds)} site has circuits of {rule.min_providers} "
                "carriers")
    if isinstance(rule, FirstHopRedundancyRule):
        return "every LAN of a site with two or more routers has a VRRP gateway"
    return f"every {', '.join(rule.roles)} device stands in an HA pair"


def evaluate_design(network: Network, naive: bool = False, whatif: WhatIfReport | None = None) -> DesignReport:
    """Every rule of ``network.design`` judged against the network (``naive``: what-if by one reachability run
    per failure, the benchmark's and tests' peer; ``whatif``: the sweep of single failures already made for
    this network, reused)."""
    with no_cyclic_gc():
        evaluator = _Evaluator(network, naive)
        evaluator._whatif = whatif
        results = [evaluator.evaluate(rule) for rule in network.design.rules]
        failures = evaluator.failures(results) if results else []
        risks = tuple(RiskSummary(
            sites=risk.sites, site_kinds=tuple(k.value for k in risk.site_kinds),
            levels=tuple(v.value for v in risk.levels), rules=risk.rules,
            reason=risk.reason, accepted_by=risk.accepted_by,
            review_by=risk.review_by.isoformat() if risk.review_by is not None else None,
            covers=evaluator.risks.covers[i]) for i, risk in enumerate(network.design.accepted_risks))
        algorithm = evaluator.whatif.algorithm if evaluator._whatif is not None else "no failure analysis needed"
        return DesignReport(rules=tuple(results), accepted_risks=risks, failures=tuple(failures),
                            algorithm=algorithm)


def unaccepted_problems(report: DesignReport) -> list[Problem]:
    """Every break no accepted risk covers, as a problem at the rule (``design.rules[name]``), for
    ``validate --strict-design``; the caller locates them in the intent."""
    problems = []
    for rule in report.rules:
        for b in rule.unaccepted:
            problems.append(Problem(
                path=("design", "rules", item(rule.rule)), message=f"design rule {rule.rule} is broken",
                expected=rule.statement, found=f"{b.kind} {b.subject}: {b.detail}",
                hint="change the design to meet the rule, or accept the risk in design.accepted_risks (sites, "
                     "site_kinds, levels, rules, reason, accepted_by, review_by)"))
    return problems
