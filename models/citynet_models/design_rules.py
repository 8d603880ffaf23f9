"""Design rules a planner sets for the city's resilience, and the risks the city accepts against them.

`netops analyze design` reports each rule as pass or fail with the failures (or sites) that break it;
`netops validate --strict-design` fails on any break that no accepted risk covers.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from citynet_models.base import NetopsModel
from citynet_models.types import AdminLevel, DisplayName, SiteKind, Slug

FailureKind = Literal["device", "link"]


class _RuleBase(NetopsModel):
    name: Slug = Field(description="Name of the rule, used by accepted risks and reports")
    description: DisplayName | None = Field(default=None, description="What the rule protects, in the city's words")


class MaxSitesCutRule(_RuleBase):
    """No single failure may cut a data-center service from more than `max_sites` sites."""

    kind: Literal["max_sites_cut"] = Field(description="Discriminator")
    max_sites: int = Field(ge=0, description="Most sites one failure may cut (1: a site's own failure only)")
    failures: tuple[FailureKind, ...] = Field(default=("device", "link"), min_length=1,
                                              description="Which single failures are considered")
    services: tuple[Slug, ...] = Field(default=(), description="Services considered (empty: every service)")


class DualHomedRule(_RuleBase):
    """Every site of the given kinds has two uplinks to two different upstream routers."""

    kind: Literal["dual_homed"] = Field(description="Discriminator")
    site_kinds: tuple[SiteKind, ...] = Field(min_length=1, description="Kinds of sites the rule applies to")


class ProvidersRule(_RuleBase):
    """Every site of the given kinds has circuits from at least `min_providers` carriers."""

    kind: Literal["providers"] = Field(description="Discriminator")
    site_kinds: tuple[SiteKind, ...] = Field(min_length=1, description="Kinds of sites the rule applies to")
    min_providers: int = Field(default=2, ge=1, description="Carriers a site needs")


class FirstHopRedundancyRule(_RuleBase):
    """Every LAN of a site with two or more routers has a redundant gateway (VRRP)."""

    kind: Literal["first_hop_redundancy"] = Field(description="Discriminator")


class HaPairRule(_RuleBase):
    """Every device of the given roles stands in an HA pair (e.g. the data center's firewalls)."""

    kind: Literal["ha_pair"] = Field(description="Discriminator")
    roles: tuple[Literal["firewall", "core"], ...] = Field(default=("firewall",), min_length=1,
                                                           description="Device roles the rule applies to")


DesignRule = Annotated[
    MaxSitesCutRule | DualHomedRule | ProvidersRule | FirstHopRedundancyRule | HaPairRule,
    Field(discriminator="kind"),
]


class AcceptedRisk(NetopsModel):
    """A break of design rules the city accepts for some sites, with its reason."""

    sites: tuple[str, ...] = Field(min_length=1, description="Site slugs or globs (e.g. 'ubnd-phuong-*')")
    site_kinds: tuple[SiteKind, ...] = Field(default=(), description="Only sites of these kinds (empty: any)")
    levels: tuple[AdminLevel, ...] = Field(default=(),
                                           description="Only sites of these administrative levels (empty: any)")
    rules: tuple[Slug, ...] = Field(default=(), description="Rules accepted as broken (empty: every rule)")
    reason: DisplayName = Field(description="Why the city accepts it")
    accepted_by: DisplayName | None = Field(default=None, description="Who accepted it")
    review_by: date | None = Field(default=None, description="When the acceptance is to be reviewed")


class DesignPolicy(NetopsModel):
    """The city's design rules and accepted risks (none: nothing is checked)."""

    rules: tuple[DesignRule, ...] = Field(default=(), description="Rules checked by analyze design")
    accepted_risks: tuple[AcceptedRisk, ...] = Field(default=(), description="Breaks the city accepts")


__all__ = ["AcceptedRisk", "DesignPolicy", "DesignRule", "DualHomedRule", "FirstHopRedundancyRule",
           "HaPairRule", "MaxSitesCutRule", "ProvidersRule"]
