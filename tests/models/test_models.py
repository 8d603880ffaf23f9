"""Per-object model rules: strictness, constrained types, discriminated unions, own validators."""

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest
from pydantic import ValidationError

from citynet_models.addressing import LanSlot, SiteBlockPlan
from citynet_models.datacenter import ServicePort
from citynet_models.devices import LoopbackInterface
from citynet_models.intent import DistrictIntent, UplinkIntent
from citynet_models.lans import Lan
from citynet_models.links import LinkEndpoint, WanLink
from citynet_models.slug import slugify
from citynet_models.types import AdminLevel, LanRole, LinkRole


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Phường Phúc Xá", "phuong-phuc-xa"),
        ("UBND Quận Ba Đình", "ubnd-quan-ba-dinh"),
        ("Xã Thụy Lâm", "xa-thuy-lam"),
        ("Huyện Ứng Hòa", "huyen-ung-hoa"),
        ("Thị trấn  Đông  Anh ", "thi-tran-dong-anh"),
        # Decomposed diacritics (as some editors save them) give the same slug.
        ("Phu\u031bo\u031b\u0300ng", "phuong"),
    ],
)
def test_slugify_is_deterministic_ascii(name: str, slug: str) -> None:
    assert slugify(name) == slug


def _lan(**overrides: object) -> Lan:
    values: dict[str, object] = {
        "name": "staff", "role": "staff", "vlan": 10, "prefix": "10.0.0.0/26", "gateway": "10.0.0.1",
        "gateway_device": "r1", "gateway_interface": "eth0.10", "hosts": 20, "dhcp_relay": True,
    }
    values.update(overrides)
    return Lan.model_validate(values)


def test_lan_accepts_a_consistent_lan() -> None:
    lan = _lan()
    assert lan.prefix == IPv4Network("10.0.0.0/26") and lan.gateway == IPv4Address("10.0.0.1")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"gateway": "10.0.1.1"}, "must be a host address of prefix"),
        ({"gateway": "10.0.0.0"}, "must be a host address of prefix"),
        ({"hosts": 62}, "expects 62 hosts but 10.0.0.0/26 holds 61"),
        ({"vlan": 4095}, "less than or equal to 4094"),
        ({"prefix": "10.0.0.1/26"}, "valid IPv4 network"),
        ({"colour": "blue"}, "Extra inputs are not permitted"),
    ],
)
def test_lan_rules(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _lan(**overrides)


def test_models_are_frozen() -> None:
    lan = _lan()
    with pytest.raises(ValidationError):
        lan.hosts = 5  # type: ignore[misc]


def test_loopback_must_be_host_route() -> None:
    with pytest.raises(ValidationError, match="must be a /32"):
        LoopbackInterface(kind="loopback", name="lo", description="x", address=IPv4Interface("10.0.0.1/24"))


def test_link_is_a_slash_31() -> None:
    end = LinkEndpoint(device="a", interface="eth1")
    with pytest.raises(ValidationError, match="a WAN link is a /31"):
        WanLink(id="a--b", role=LinkRole.ACCESS, upstream=end, downstream=end, prefix=IPv4Network("10.0.0.0/30"),
                ospf_area=1, ospf_cost=10, circuit=None)


def test_service_port_rules() -> None:
    assert str(ServicePort(protocol="icmp")) == "icmp"
    assert str(ServicePort(protocol="tcp", port=443)) == "tcp/443"
    with pytest.raises(ValidationError, match="needs a port number"):
        ServicePort(protocol="udp")
    with pytest.raises(ValidationError, match="takes no port number"):
        ServicePort(protocol="icmp", port=1)


def test_layout_slots_must_fit_and_not_overlap() -> None:
    slot = LanSlot(role=LanRole.STAFF, vlan=10, offset=0, prefix_length=25)
    with pytest.raises(ValidationError, match="runs past the end"):
        SiteBlockPlan(level=AdminLevel.WARD, pool=IPv4Network("10.0.0.0/9"), block_length=26, lans=(slot,))
    other = LanSlot(role=LanRole.CAMERA, vlan=30, offset=64, prefix_length=26)
    with pytest.raises(ValidationError, match="slots overlap"):
        SiteBlockPlan(level=AdminLevel.WARD, pool=IPv4Network("10.0.0.0/9"), block_length=24, lans=(slot, other))


def test_uplink_circuit_must_be_complete() -> None:
    with pytest.raises(ValidationError, match="missing circuit_id, bandwidth_mbps"):
        UplinkIntent(to="agg-01", provider="vnpt")
    assert UplinkIntent(to="agg-01").provider is None  # in-building links carry no circuit


def test_district_file_rejects_city_only_kinds() -> None:
    with pytest.raises(ValidationError, match=r"does not match any of the expected tags"):
        DistrictIntent.model_validate(
            {"district": {"code": "001", "name": "Quận Ba Đình", "kind": "quan"},
             "sites": [{"name": "DC", "kind": "data_center"}]}
        )


def test_every_field_has_a_description() -> None:
    import inspect

    import citynet_models.addressing
    import citynet_models.admin
    import citynet_models.datacenter
    import citynet_models.devices
    import citynet_models.intent
    import citynet_models.lans
    import citynet_models.links
    import citynet_models.network
    import citynet_models.policy
    import citynet_models.sites
    from citynet_models.base import NetopsModel

    missing = []
    for module in (citynet_models.addressing, citynet_models.admin, citynet_models.datacenter, citynet_models.devices,
                   citynet_models.intent, citynet_models.lans, citynet_models.links, citynet_models.network,
                   citynet_models.policy, citynet_models.sites):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, NetopsModel) and cls.__module__ == module.__name__:
                missing += [f"{cls.__name__}.{name}" for name, field in cls.model_fields.items()
                            if not field.description and not _described_by_type(field)]
    assert not missing, f"fields without a description: {missing}"


def _described_by_type(field: object) -> bool:
    # Shared constrained types (citynet_models.types) carry their description in their Annotated metadata.
    return any(getattr(meta, "description", None) for meta in getattr(field, "metadata", []))


def test_reserved_variable_names_match_ansible() -> None:
    """citynet_models.variables keeps its own copy of Ansible's reserved names (it imports nothing of Ansible)."""
    from ansible.vars.reserved import get_reserved_names

    from citynet_models.variables import ANSIBLE_RESERVED_NAMES

    assert get_reserved_names() == ANSIBLE_RESERVED_NAMES


@pytest.mark.parametrize(("name", "accepted"), [
    ("maintenance_window", True), ("_private", True), ("site_user", True),
    ("ansible_user", False), ("netops_site", False), ("serial", False), ("hostvars", False), ("class", False),
    ("Contact", False), ("2nd_floor", False), ("with-dash", False),
])
def test_site_variable_names(name: str, accepted: bool) -> None:
    from pydantic import TypeAdapter

    from citynet_models.variables import SiteVariables

    adapter: TypeAdapter[dict[str, object]] = TypeAdapter(SiteVariables)
    if accepted:
        assert adapter.validate_python({name: 1}) == {name: 1}
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python({name: 1})
