"""Reachability policy: what each kind of site LAN must reach, and what it must not."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from citynet_models.base import NetopsModel
from citynet_models.types import AdminLevel, LanRole, OneLine, SiteKind, Slug


class LanSelector(NetopsModel):
    """Selects site LANs by the kind and level of their site and by their role; empty means any."""

    site_kinds: tuple[SiteKind, ...] = Field(default=(), description="Site kinds selected (empty: all)")
    levels: tuple[AdminLevel, ...] = Field(default=(), description="Administrative levels (empty: all)")
    lan_roles: tuple[LanRole, ...] = Field(default=(), description="LAN roles selected (empty: all)")

    def selects(self, site_kind: SiteKind, level: AdminLevel, lan_role: LanRole) -> bool:
        """Whether a LAN of this role, at a site of this kind and level, is selected."""
        return (
            (not self.site_kinds or site_kind in self.site_kinds)
            and (not self.levels or level in self.levels)
            and (not self.lan_roles or lan_role in self.lan_roles)
        )


class _RuleBase(NetopsModel):
    id: Slug = Field(description="Unique rule id, quoted in reports")
    description: Annotated[str, StringConstraints(min_length=1, max_length=200), OneLine] = Field(
        description="Why the rule exists (one line)")
    sources: LanSelector = Field(description="The site LANs the rule is about")


class AllowServices(_RuleBase):
    """The selected LANs must reach these data-center services."""

    kind: Literal["allow_services"] = Field(description="Discriminator")
    services: tuple[Slug, ...] = Field(min_length=1, description="Names of the services")


#: Scope spellings of the legacy structure, and the scope each reads as.
LEGACY_SCOPES = {"other_ward": "other_unit", "other_district": "other_area"}


class DenyBetweenSites(_RuleBase):
    """The selected LANs must not reach LANs of other sites matching `destinations`."""

    kind: Literal["deny_between_sites"] = Field(description="Discriminator")
    destinations: LanSelector = Field(description="The LANs that must stay out of reach")
    scope: Literal["other_site", "other_unit", "other_area"] = Field(
        default="other_site",
        description="Deny only towards LANs of a different site, administrative unit (ward or commune) or "
                    "aggregation area than the source; other_ward and other_district, the spellings of the legacy "
                    "structure, read as other_unit and other_area",
    )

    @field_validator("scope", mode="before")
    @classmethod
    def _legacy_spelling(cls, value: object) -> object:
        """The scopes as the legacy structure spelled them, before its districts were dissolved: its wards are
        the units of today, and each district was one aggregation area."""
        return LEGACY_SCOPES.get(value, value) if isinstance(value, str) else value


class DenyManagement(_RuleBase):
    """The selected LANs must not reach the management plane (device management addresses)."""

    kind: Literal["deny_management"] = Field(description="Discriminator")


PolicyRule = Annotated[AllowServices | DenyBetweenSites | DenyManagement, Field(discriminator="kind")]


class ReachabilityPolicy(NetopsModel):
    """Everything not allowed by a rule is denied; deny rules are what verification must prove."""

    rules: tuple[PolicyRule, ...] = Field(description="Allow and deny rules")
    management_services: tuple[Slug, ...] = Field(
        description="Services whose hosts may manage the devices (monitoring, syslog collectors, ...)"
    )
    management_lan_roles: tuple[LanRole, ...] = Field(
        default=(LanRole.MANAGEMENT,),
        description="LAN roles from which engineers may manage the devices",
    )
