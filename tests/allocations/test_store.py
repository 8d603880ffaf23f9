"""The record file: one line per site that reads back as written, changes listed per site, renames."""

import yaml

from citynet_models.allocations import AllocationRecord, SiteAllocation
from netops.allocations.store import HEADER, changes, dump_record, renamed

RECORD = AllocationRecord(version=1, sites={
    "ubnd-xa-b": SiteAllocation(key="ward/00013/0", ports={"0.0": "ubnd-xa-a-r01:eth2",
                                                           "0.1": "ubnd-xa-ab-r01:GigabitEthernet0/0/3"}),
    "ubnd-xa-a": SiteAllocation(key="ward/00010/0", ports={"0.0": "agg-01:eth1"}),
    "trung-tam": SiteAllocation(key="city/0/3"),
})


def test_the_record_reads_back_as_written_one_line_per_site_sorted_by_slug() -> None:
    text = dump_record(RECORD)
    assert text.startswith(HEADER)
    assert AllocationRecord.model_validate(yaml.safe_load(text)) == RECORD
    lines = [line for line in text.splitlines() if line.startswith("  ")]
    assert [line.split(":")[0].strip() for line in lines] == ["trung-tam", "ubnd-xa-a", "ubnd-xa-b"]
    assert dump_record(AllocationRecord(version=1)).endswith("version: 1\nsites: {}\n")


def test_changes_lists_new_sites_and_moved_ports() -> None:
    after = AllocationRecord(version=1, sites={
        **RECORD.sites, "ubnd-xa-a": SiteAllocation(key="ward/00010/0", ports={"0.0": "agg-02:eth4"}),
        "ubnd-xa-d": SiteAllocation(key="ward/00016/0")})
    assert [change.line() for change in changes(RECORD, after)] == [
        "change ubnd-xa-a: ports 0.0: agg-01:eth1 -> agg-02:eth4",
        "add ubnd-xa-d: {key: ward/00016/0, ports: {}}",
    ]
    assert changes(RECORD, RECORD) == []


def test_rename_keeps_the_ports_other_sites_hold_on_the_sites_derived_device_names() -> None:
    after = renamed(RECORD, "ubnd-xa-a", "ubnd-xa-c")
    assert sorted(after.sites) == ["trung-tam", "ubnd-xa-b", "ubnd-xa-c"]
    assert after.sites["ubnd-xa-c"] == RECORD.sites["ubnd-xa-a"]
    assert after.sites["ubnd-xa-b"].ports == {"0.0": "ubnd-xa-c-r01:eth2",
                                              "0.1": "ubnd-xa-ab-r01:GigabitEthernet0/0/3"}
