"""What the resolver derives stays within what NetBox and the devices keep, whatever the intent's lengths."""

from pathlib import Path

from netops.pipeline import load_network
from tests.conftest import TESTS

BASE = TESTS / "intent" / "cases" / "base"


def test_descriptions_fit_netbox_with_the_longest_names(tmp_path: Path) -> None:
    import shutil

    intent = tmp_path / "intent"
    shutil.copytree(BASE, intent)
    district = intent / "districts" / "001-ba-dinh.yml"
    longest_cid = "C-" + "9" * 98  # NetBox's 100
    longest_router = "r" * 63  # one DNS label
    text = district.read_text()
    text = text.replace("circuit_id: C-3,", f"circuit_id: {longest_cid},")
    text = text.replace("      - role: access_router\n        uplinks:\n"
                        f"          - {{to: ba-dinh-agg-01, provider: vnpt, circuit_id: {longest_cid}",
                        f"      - role: access_router\n        name: {longest_router}\n        uplinks:\n"
                        f"          - {{to: ba-dinh-agg-01, provider: vnpt, circuit_id: {longest_cid}")
    assert longest_router in text
    provider = "vien-thong-ha-noi-chi-nhanh-trung-tam-du-lieu"
    district.write_text(text.replace("provider: vnpt", f"provider: {provider}"))
    city = intent / "city.yml"
    city.write_text(city.read_text().replace("slug: vnpt}", f"slug: {provider}}}"))
    network = load_network(intent).network
    descriptions = [i.description for d in network.devices for i in d.interfaces]
    assert max(len(text) for text in descriptions) == 200  # the uplink's description was cut
    assert any(text.endswith("...") for text in descriptions)
    assert all(len(text) <= 200 for text in descriptions)
