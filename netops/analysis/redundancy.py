"""How each site hangs on the WAN: sites with a single uplink or a single upstream router, by district."""

from dataclasses import dataclass

from citynet_models.network import Network


@dataclass(frozen=True)
class SiteAttachment:
    """A site's attachment to the WAN: its uplinks to other sites' routers."""

    site: str
    name: str
    kind: str
    district: str | None
    ward: str | None
    status: str
    declared: str | None
    uplinks: int
    upstream_routers: tuple[str, ...]
    providers: tuple[str, ...]
    routers: int
    single_uplink: bool
    single_upstream_router: bool
    #: every circuit with one carrier (a carrier outage cuts the site), only for sites with two or more uplinks
    single_provider: bool
    #: the site's uplinks all end on one router of its own
    single_site_router: bool

    @property
    def at_risk(self) -> bool:
        """Single uplink or single upstream router: one failure outside the site cuts it."""
        return self.single_uplink or self.single_upstream_router


@dataclass(frozen=True)
class DistrictRedundancy:
    """The sites of one district (or of the city level) and those at risk."""

    district: str
    name: str
    sites: int
    single_uplink: int
    single_upstream_router: int
    single_provider: int
    at_risk: tuple[SiteAttachment, ...]


@dataclass(frozen=True)
class RedundancyReport:
    """Single-homed attachments of the whole city, grouped by district."""

    sites: int
    single_uplink: int
    single_upstream_router: int
    single_provider: int
    districts: tuple[DistrictRedundancy, ...]
    attachments: tuple[SiteAttachment, ...]


def attachments(network: Network) -> list[SiteAttachment]:
    """The attachment of every site but the data centers (the hub), in the model's order."""
    device_site = {d.name: d.site for d in network.devices}
    result = []
    for site in network.sites:
        if site.kind == "data_center":
            continue
        uplinks = [link for link in network.uplinks_by_site.get(site.slug, [])
                   if device_site.get(link.upstream.device) != site.slug]
        upstream = tuple(sorted({link.upstream.device for link in uplinks}))
        providers = tuple(sorted({link.circuit.provider for link in uplinks if link.circuit is not None}))
        own_routers = {link.downstream.device for link in uplinks}
        result.append(SiteAttachment(
            site=site.slug,
            name=site.name,
            kind=site.kind,
            district=site.area,
            ward=site.ward,
            status=site.status.value,
            declared=site.redundancy.value if site.redundancy is not None else None,
            uplinks=len(uplinks),
            upstream_routers=upstream,
            providers=providers,
            routers=sum(1 for d in network.devices_by_site.get(site.slug, []) if d.is_router),
            single_uplink=len(uplinks) <= 1,
            single_upstream_router=len(upstream) <= 1,
            single_provider=len(uplinks) >= 2 and len(providers) == 1,
            single_site_router=len(own_routers) <= 1 and len(uplinks) >= 2,
        ))
    return result


def redundancy(network: Network, district: str | None = None) -> RedundancyReport:
    """Sites whose attachment one failure outside the site cuts, grouped by district (city level first)."""
    every = [a for a in attachments(network) if district is None or a.district == district]
    names = {d.code: d.name for d in network.areas}
    groups: dict[str, list[SiteAttachment]] = {}
    for attachment in every:
        groups.setdefault(attachment.district or "city", []).append(attachment)
    rows = []
    for key in sorted(groups, key=lambda k: (k != "city", k)):
        members = groups[key]
        rows.append(DistrictRedundancy(
            district=key,
            name=names.get(key, "city level"),
            sites=len(members),
            single_uplink=sum(a.single_uplink for a in members),
            single_upstream_router=sum(a.single_upstream_router for a in members),
            single_provider=sum(a.single_provider for a in members),
            at_risk=tuple(a for a in members if a.at_risk),
        ))
    return RedundancyReport(
        sites=len(every),
        single_uplink=sum(a.single_uplink for a in every),
        single_upstream_router=sum(a.single_upstream_router for a in every),
        single_provider=sum(a.single_provider for a in every),
        districts=tuple(rows),
        attachments=tuple(every),
    )
