"""Site templates: the built-in one for each kind of unit site, and those the intent defines (`site_templates:`
in city.yml), which add to the built-ins or replace one of the same name."""

from collections.abc import Mapping

from citynet_models.intent import SiteTemplate, TemplateLan
from citynet_models.types import LanRole, Redundancy, SiteKind


def _lans(**hosts: int) -> list[TemplateLan]:
    return [TemplateLan(role=LanRole(role), hosts=count) for role, count in hosts.items()]


#: The built-in templates, by name: sized on the sample city's sites of each kind. A committee serves citizens at
#: its one-stop-shop counters all day, so it is dual-homed; the other kinds make do with one uplink.
BUILT_IN: Mapping[str, SiteTemplate] = {
    "committee": SiteTemplate(kinds=[SiteKind.WARD_COMMITTEE], redundancy=Redundancy.DUAL_HOMED,
                              lans=_lans(staff=40, one_stop_shop=10, camera=12, management=4)),
    "party-committee": SiteTemplate(kinds=[SiteKind.PARTY_AGENCY], redundancy=Redundancy.SINGLE_HOMED,
                                    lans=_lans(staff=15, management=2)),
    "mass-organization": SiteTemplate(kinds=[SiteKind.MASS_ORGANIZATION], redundancy=Redundancy.SINGLE_HOMED,
                                      lans=_lans(staff=10, management=2)),
    "service-point": SiteTemplate(kinds=[SiteKind.PUBLIC_SERVICE_POINT], redundancy=Redundancy.SINGLE_HOMED,
                                  lans=_lans(staff=20, one_stop_shop=8, management=2)),
}

#: The template a site of each kind gets unless `--template` names another.
DEFAULT_FOR_KIND: Mapping[SiteKind, str] = {
    SiteKind.WARD_COMMITTEE: "committee",
    SiteKind.PARTY_AGENCY: "party-committee",
    SiteKind.MASS_ORGANIZATION: "mass-organization",
    SiteKind.PUBLIC_SERVICE_POINT: "service-point",
}


def available(defined: Mapping[str, SiteTemplate]) -> dict[str, SiteTemplate]:
    """Every template by name: the built-ins, then the intent's (the intent's win on a shared name)."""
    return {**BUILT_IN, **defined}
