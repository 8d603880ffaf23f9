"""Tags, custom-field choice sets, custom fields and the city's config context.

These are netops' own schema. Tags cannot carry tags, so they are shared vocabulary: created when missing,
never changed or deleted. Custom fields belong to netops when they sit in the ``netops`` group, choice sets when
their name starts with ``netops-``, config contexts when their name starts with ``netops: ``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from citynet_models.addressing import AddressPlan
from citynet_models.admin import City
from citynet_models.design_rules import DesignPolicy
from citynet_models.policy import ReachabilityPolicy
from netops.netbox.mapping.base import (
    Field,
    JsonValue,
    Key,
    Kind,
    Mapper,
    Record,
    Ref,
    Value,
)
from netops.netbox.mapping.organization import region_key
from netops.netbox.tags import MANAGED_TAG
from netops.netbox.vocabulary import (
    CHOICE_SET_PREFIX,
    CHOICE_SETS,
    CONFIG_CONTEXT_PREFIX,
    CUSTOM_FIELD_GROUP,
    CUSTOM_FIELDS,
    INTENT_TAG_COLOR,
    MANAGED_TAG_COLOR,
    ChoiceSetSpec,
    CustomFieldSpec,
)

if TYPE_CHECKING:
    from citynet_models.network import Network
    from netops.netbox.mapping.reading import ModelReader


def tag_record(slug: str) -> Record:
    """A tag: the managed tag, or a free tag from intent (named as its slug)."""
    color = MANAGED_TAG_COLOR if slug == MANAGED_TAG else INTENT_TAG_COLOR
    return Record("extras.tag", (slug,), {"name": slug, "slug": slug, "color": color})


class TagMapper(Mapper):
    """extras.tag: the managed tag and the free tags of devices."""

    object_type = "extras.tag"
    endpoint = "extras/tags"
    graphql_type = "TagType"
    noun = "tag"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR), Field("color", Kind.SCALAR))
    taggable = False
    shared = True
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        slugs = {MANAGED_TAG} | {tag for device in network.devices for tag in device.tags}
        return [tag_record(slug) for slug in sorted(slugs)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)

    def owned(self, raw: Mapping[str, Any], fields: Mapping[str, Value]) -> bool:
        return False  # tags carry no tags: used as they are, never changed


def choice_set_record(spec: ChoiceSetSpec) -> Record:
    """A custom-field choice set, choices in the vocabulary's order."""
    return Record("extras.customfieldchoiceset", (spec.name,), {
        "name": spec.name, "description": spec.description,
        "extra_choices": tuple((value, label) for value, label in spec.choices), "order_alphabetically": False,
    })


class ChoiceSetMapper(Mapper):
    """extras.customfieldchoiceset: the choices of netops' select custom fields."""

    object_type = "extras.customfieldchoiceset"
    endpoint = "extras/custom-field-choice-sets"
    graphql_type = "CustomFieldChoiceSetType"
    noun = "choice set"
    fields = (Field("name", Kind.SCALAR), Field("description", Kind.SCALAR), Field("extra_choices", Kind.LIST),
              Field("order_alphabetically", Kind.SCALAR))
    taggable = False
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        return [choice_set_record(spec) for spec in CHOICE_SETS]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["name"]),)

    def owned(self, raw: Mapping[str, Any], fields: Mapping[str, Value]) -> bool:
        return str(fields.get("name", "")).startswith(CHOICE_SET_PREFIX)


def custom_field_record(spec: CustomFieldSpec) -> Record:
    """A custom field in the ``netops`` group."""
    return Record("extras.customfield", (spec.name,), {
        "name": spec.name, "type": spec.type, "object_types": tuple(sorted(spec.object_types)),
        "label": spec.label, "group_name": CUSTOM_FIELD_GROUP, "description": spec.description,
        "choice_set": Ref("extras.customfieldchoiceset", (spec.choice_set,)) if spec.choice_set else None,
    })


class CustomFieldMapper(Mapper):
    """extras.customfield: what the mapping stores that NetBox has no field for."""

    object_type = "extras.customfield"
    endpoint = "extras/custom-fields"
    graphql_type = "CustomFieldType"
    noun = "custom field"
    fields = (Field("name", Kind.SCALAR), Field("type", Kind.CHOICE), Field("object_types", Kind.SET),
              Field("label", Kind.SCALAR), Field("group_name", Kind.SCALAR), Field("description", Kind.SCALAR),
              Field("choice_set", Kind.REF, ("extras.customfieldchoiceset",)))
    taggable = False
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        return [custom_field_record(spec) for spec in CUSTOM_FIELDS]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["name"]),)

    def owned(self, raw: Mapping[str, Any], fields: Mapping[str, Value]) -> bool:
        return fields.get("group_name") == CUSTOM_FIELD_GROUP


def config_context_record(city: City, addressing: AddressPlan, policy: ReachabilityPolicy,
                          design: DesignPolicy | None = None) -> Record:
    """The city's config context: the site-block layout, the reachability policy and the design rules with their
    accepted risks, for every device of the city.

    The pools themselves are prefixes (see ipam); the layout inside a site block, the policy and the design rules
    have no NetBox object, and a config context is where NetBox keeps such settings for the devices they apply to.
    """
    data = {"netops": {
        "site_blocks": [{"level": plan.level.value, "block_length": plan.block_length,
                         "lans": [slot.model_dump(mode="json") for slot in plan.lans]}
                        for plan in addressing.site_blocks],
        "policy": policy.model_dump(mode="json"),
        "design": (design or DesignPolicy()).model_dump(mode="json"),
    }}
    return Record("extras.configcontext", (CONFIG_CONTEXT_PREFIX + city.slug,), {
        "name": CONFIG_CONTEXT_PREFIX + city.slug, "weight": 1000,
        "description": f"Address plan layout, reachability policy and design rules of {city.name} (managed by netops)",
        "is_active": True, "regions": (Ref("dcim.region", region_key(city.code)),), "data": JsonValue(data),
    })


class ConfigContextMapper(Mapper):
    """extras.configcontext: the settings of the city that are configuration, not inventory."""

    object_type = "extras.configcontext"
    endpoint = "extras/config-contexts"
    graphql_type = "ConfigContextType"
    noun = "config context"
    # Found by its name, made of the city's slug; the rest is fixed.
    fields = (Field("name", Kind.SCALAR, derived=True), Field("weight", Kind.INTEGER, derived=True),
              Field("description", Kind.SCALAR, derived=True), Field("is_active", Kind.SCALAR, derived=True),
              Field("regions", Kind.REFS, ("dcim.region",), derived=True), Field("data", Kind.JSON))
    taggable = False  # a config context's tags choose the objects it applies to; they do not mark ownership
    fetch_all = True

    def desired(self, network: Network) -> Iterable[Record]:
        return [config_context_record(network.city, network.addressing, network.policy, network.design)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["name"]),)

    def owned(self, raw: Mapping[str, Any], fields: Mapping[str, Value]) -> bool:
        return str(fields.get("name", "")).startswith(CONFIG_CONTEXT_PREFIX)

    def read(self, reader: ModelReader) -> None:
        """The site-block layout of the address plan (the pools are prefixes), the reachability policy and the design
        rules."""
        name = CONFIG_CONTEXT_PREFIX + str(reader.city.fields["slug"])
        record = reader.records.get(self.object_type, (name,))
        data = record.fields.get("data") if record is not None else None
        if record is None or not isinstance(data, JsonValue) or not isinstance(data.data.get("netops"), dict):
            reader.problem(("addressing",), reader.city, "the city's config context is missing",
                           f"config context {name!r} with a 'netops' section", "none", "run `netops apply`")
        else:
            reader.locate(("addressing",), record)
            reader.locate(("policy",), record)
            reader.locate(("design",), record)
            reader.context = data.data["netops"]
        reader.data["policy"] = reader.context.get("policy", {})
        reader.data["design"] = reader.context.get("design", {})
