"""`netops rollout` on a running lab and a real NetBox (markers lab and netbox): a new ward site under Đông Anh.

One lab of the data center and area 017 (Đông Anh), brought up from a copy of the sample and provisioned, as
`make demo` leaves it; one NetBox of this module's own (state directory and ports of its own). In order:
- the new site (tests/rollout/sites.py) is added to the copy and staged: NetBox gets its objects and the hub's
  new interface, nothing of any other site;
- with the new site's uplink cut in the lab (both ends drop every frame), a rollout to verified pushes the
  touched routers, fails at verify with the reason, rolls them back (every router runs what it ran before) and
  leaves the status at staged;
- with the uplink restored, the rollout to verified passes: only the touched routers' configs change (every
  other router's running config is the same, asserted), the site and its neighbours' sites verify, and a
  provisioning run over the whole lab afterwards changes nothing (changed=0 everywhere);
- accepted needs --by, then records who signed;
- `netops site decommission` takes the site out: only the routers its rollout touched change (the hub's downlink
  gone, the site's router wiped), the sites around it still verify, the ledger, status, NetBox status and journal
  are recorded, allocations.yml is unchanged; `--release` then frees its allocation line.
"""

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from netops.lab import frr
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan
from netops.pipeline import load_network
from netops.rollout.scope import RolloutScope, rollout_scope
from tests.lab.helpers import (
    NETOPS,
    PLAYBOOK,
    REPO,
    lab_home,
    netops_env,
    play_recap,
    playbook_env,
    skip_unless_lab_can_run,
)
from tests.netbox.support import netbox_server
from tests.rollout.sites import HUB_ROUTER, NEW_ROUTER, NEW_SITE, add_new_site, sample_copy

pytestmark = [pytest.mark.lab, pytest.mark.netbox]

AREA = "017"
#: A NetBox of this module's own: its state directory and ports (outside the ephemeral range), NetBox's venv
#: shared with the other server tests of the checkout.
SERVER_ENV = {
    "NETOPS_NETBOX_HOME": str(REPO / "var" / "netbox-rollout-test"),
    "NETOPS_NETBOX_PORT": "18851",
    "NETOPS_NETBOX_PG_PORT": "25469",
    "NETOPS_NETBOX_REDIS_PORT": "63859",
}


@dataclass
class RolloutLab:
    home: LabHome
    intent: Path
    work: Path
    netbox: dict[str, str]

    def env(self) -> dict[str, str]:
        """A user's shell: the lab's home (and render secrets once it is up), the intent, NetBox's client settings."""
        if not self.home.secrets_file.exists():
            return netops_env(self.home) | {"NETOPS_INTENT": str(self.intent)} | self.netbox
        return playbook_env(self.home, self.intent) | self.netbox

    def plan(self) -> LabPlan:
        plan = self.home.plan()
        assert plan is not None
        return plan

    def scope(self) -> RolloutScope:
        return rollout_scope(load_network(self.intent).network, NEW_SITE)

    def netops(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(NETOPS), *args], cwd=REPO, env=self.env(), capture_output=True, text=True,
                              timeout=1200, check=False)

    def rollout(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.netops("rollout", NEW_SITE, "--intent", str(self.intent), *args)

    def provision(self, routers: list[str], configs: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(PLAYBOOK), "playbooks/provision.yml", "--limit", ",".join([*routers, "localhost"]),
                               "-e", f"provision_configs={self.work / configs}"], cwd=REPO, env=self.env(),
                              capture_output=True, text=True, timeout=1200, check=False)

    def running(self) -> dict[str, str]:
        """Every lab router's running config."""
        return {r.device: frr.vtysh(r.netns, "show running-config") for r in self.plan().frr_routers()}

    def ledger(self) -> list[dict[str, Any]]:
        path = self.intent / "rollout" / NEW_SITE / "ledger.yml"
        return list(yaml.safe_load(path.read_text(encoding="utf-8"))["transitions"]) if path.exists() else []

    def status(self) -> str:
        return str(load_network(self.intent).network.site_by_slug[NEW_SITE].status.value)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RolloutLab]:
    skip_unless_lab_can_run()
    work = tmp_path_factory.mktemp("rollout")
    intent = sample_copy(work / "city")
    with lab_home() as home:
        base = {key: value for key, value in os.environ.items() if not key.startswith(("NETBOX_", "NETOPS_NETBOX"))}
        for served in netbox_server(SERVER_ENV, base, command="reset"):
            netbox = {key: served[key] for key in (*SERVER_ENV, "NETBOX_URL", "NETBOX_TOKEN")}
            lab = RolloutLab(home, intent, work, netbox)
            up = lab.netops("lab", "up", "--intent", str(intent), "--area", AREA)
            assert up.returncode == 0, up.stderr
            routers = [r.device for r in lab.plan().routers]
            first = lab.provision(routers, "configs-base")
            assert first.returncode == 0, first.stdout[-3000:]
            yield lab


def test_staging_writes_the_new_site_to_netbox(lab: RolloutLab) -> None:
    add_new_site(lab.intent)
    staged = lab.rollout("--to", "staged")
    assert staged.returncode == 0, staged.stdout + staged.stderr
    assert [t["state"] for t in lab.ledger()] == ["staged"] and lab.status() == "staged"
    evidence = json.loads((lab.intent / "rollout" / NEW_SITE / "netbox-staged.json").read_text())
    assert evidence["result"]["created"] > 0
    devices = {change["key"][0] for change in evidence["changes"] if change["type"] in ("dcim.device",
                                                                                         "dcim.interface")}
    # The site's router, and of the rest only what the new site needs: its hub site (referenced) and the hub
    # router's new ports (this NetBox held nothing of the city: each of the hub's ports is new, and its cables).
    network = load_network(lab.intent).network
    hub_site = network.device_by_name[HUB_ROUTER].site
    assert NEW_ROUTER in devices and {network.device_by_name[name].site for name in devices} == {NEW_SITE, hub_site}


def _cut(lab: RolloutLab, cut: bool) -> None:
    """The new site's uplink unplugged (`netops lab fail link`: a carrier loss that no config push undoes), or
    plugged back (`netops lab restore link`)."""
    done = lab.netops("lab", "fail" if cut else "restore", "link", HUB_ROUTER, NEW_ROUTER)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_failed_uplink_stops_the_rollout_at_verify_and_rolls_back(lab: RolloutLab) -> None:
    up = lab.netops("lab", "up", "--intent", str(lab.intent), "--area", AREA)
    assert up.returncode == 0, up.stderr
    before = lab.running()
    _cut(lab, True)
    try:
        result = lab.rollout("--to", "verified")
    finally:
        _cut(lab, False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "verified failed" in result.stderr and NEW_SITE in result.stderr
    assert "rolled back:" in result.stderr and HUB_ROUTER in result.stderr
    assert lab.status() == "staged" and [t["state"] for t in lab.ledger()] == ["staged"]
    after = lab.running()
    assert {name for name in before if before[name] != after[name]} == set()


def test_the_rollout_to_verified_changes_only_the_touched_routers(lab: RolloutLab) -> None:
    before = lab.running()
    result = lab.rollout("--to", "verified", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [t["state"] for t in report["transitions"]] == ["provisioned", "verified"]
    assert lab.status() == "verified"
    after = lab.running()
    changed = {name for name in after if before.get(name) != after[name]}
    scope = lab.scope()
    # The new router and its hub only: the route reflectors accept the new router without naming it.
    assert changed == {NEW_ROUTER, HUB_ROUTER}, (changed, scope.touched)
    assert changed == set(scope.touched), (changed, scope.touched)
    folder = lab.intent / "rollout" / NEW_SITE
    assert {p.stem for p in (folder / "diffs").glob("*.diff")} == set(scope.touched)
    verification = json.loads((folder / "verify-verified.json").read_text())
    assert verification["ok"]
    in_lab = {r.site for r in lab.plan().routers}
    assert {s["site"] for s in verification["sites"]} >= {s for s in scope.verified_sites if s in in_lab}
    # Nothing was left behind: provisioning the whole lab now changes nothing.
    again = lab.provision([r.device for r in lab.plan().routers], "configs-after")
    assert again.returncode == 0, again.stdout[-3000:]
    assert {c["changed"] for h, c in play_recap(again.stdout).items() if h != "localhost"} == {0}


def test_acceptance_needs_a_name_and_records_it(lab: RolloutLab) -> None:
    refused = lab.rollout("--to", "accepted")
    assert refused.returncode == 2 and "--by" in refused.stderr
    accepted = lab.rollout("--to", "accepted", "--by", "Nguyễn Văn An")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    last = lab.ledger()[-1]
    assert last["state"] == "accepted" and last["by"] == "Nguyễn Văn An" and lab.status() == "accepted"
    again = lab.rollout()
    assert again.returncode == 2 and "end of the rollout" in again.stderr


def _netbox_site(lab: RolloutLab) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The new site as NetBox holds it, and its journal entries."""
    from netops.netbox.client import NetBoxClient

    client = NetBoxClient.from_env(lab.netbox)
    site = next(iter(client.rest_list("dcim/sites", {"slug": NEW_SITE, "fields": "id,status"})))
    entries = client.rest_list("extras/journal-entries", {"assigned_object_type": "dcim.site",
                                                          "assigned_object_id": site["id"], "fields": "comments"})
    return dict(site), [dict(entry) for entry in entries]


def test_decommissioning_takes_the_site_out_and_leaves_the_rest_verified(lab: RolloutLab) -> None:
    before = lab.running()
    allocations = (lab.intent / "allocations.yml").read_text(encoding="utf-8")
    scope = lab.scope()
    dry = lab.netops("site", "decommission", NEW_SITE, "--intent", str(lab.intent), "--dry-run")
    assert dry.returncode == 0 and "nothing written" in dry.stderr, dry.stdout + dry.stderr
    assert lab.running() == before and lab.status() == "accepted"
    result = lab.netops("site", "decommission", NEW_SITE, "--intent", str(lab.intent), "--yes", "--by", "Nguyễn Văn An",
                        "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    after = lab.running()
    changed = {name for name in after if before.get(name) != after[name]}
    # The site's router (wiped) and its hub (the downlink gone): the routers a rollout of the site touches; every
    # other router runs what it ran (the route reflectors accept their clients by range).
    assert changed == set(scope.touched) == {NEW_ROUTER, HUB_ROUTER}, (changed, scope.touched)
    assert f"DOWNLINK to {NEW_ROUTER}" in before[HUB_ROUTER] and NEW_ROUTER not in after[HUB_ROUTER]
    assert f"hostname {NEW_ROUTER}" in after[NEW_ROUTER]
    assert "router ospf" not in after[NEW_ROUTER] and "router bgp" not in after[NEW_ROUTER]
    # Recorded: the ledger with the diffs pushed and the neighbours' verification, the status, NetBox, the journal.
    last = lab.ledger()[-1]
    assert last["state"] == "decommissioned" and last["by"] == "Nguyễn Văn An" and lab.status() == "decommissioned"
    folder = lab.intent / "rollout" / NEW_SITE
    assert {name for name in last["evidence"] if name.startswith("decommission/diffs/")} == {
        f"decommission/diffs/{name}.diff" for name in changed}
    verification = json.loads((folder / "decommission" / "verify.json").read_text(encoding="utf-8"))
    in_lab = {r.site for r in lab.plan().routers}
    neighbours = {s for s in scope.verified_sites if s in in_lab} - {NEW_SITE}
    assert verification["ok"] and neighbours
    assert {s["site"] for s in verification["sites"]} >= neighbours
    assert NEW_SITE not in {s["site"] for s in verification["sites"]}
    site, entries = _netbox_site(lab)
    assert site["status"]["value"] == "decommissioning"
    assert any(f"{NEW_SITE} decommissioned" in str(entry["comments"]) for entry in entries)
    # Its prefixes and hub port stay reserved; the model leaves the site out of the running network.
    assert (lab.intent / "allocations.yml").read_text(encoding="utf-8") == allocations
    running = load_network(lab.intent).running
    assert NEW_SITE not in running.site_by_slug and NEW_ROUTER not in running.device_by_name
    again = lab.netops("site", "decommission", NEW_SITE, "--intent", str(lab.intent))
    assert again.returncode == 2 and "already decommissioned" in again.stderr


def test_release_frees_the_decommissioned_sites_allocations(lab: RolloutLab) -> None:
    before = lab.running()
    released = lab.netops("site", "decommission", NEW_SITE, "--intent", str(lab.intent), "--release",
                          "--yes")
    assert released.returncode == 0, released.stdout + released.stderr
    assert f"{NEW_SITE}:" not in (lab.intent / "allocations.yml").read_text(encoding="utf-8")
    assert NEW_SITE not in load_network(lab.intent).network.site_by_slug
    assert (lab.intent / "rollout" / NEW_SITE / "ledger.yml").is_file()
    assert lab.running() == before, "a release changes no router"
