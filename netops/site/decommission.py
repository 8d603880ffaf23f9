"""`netops site decommission`: a site taken out of the running network, the reverse of its rollout.

What it does depends on how far the site got:

- planned (nothing in NetBox, nothing pushed): the transition is recorded, nothing else;
- staged (in NetBox, nothing pushed): NetBox's site, devices and circuits of the site take their decommissioning
  statuses (netops.netbox.vocabulary), then the transition;
- provisioned, verified, accepted: first the routers. The neighbours (the site's hubs) and the route reflectors
  are rendered from the network in service without the site (netops.pipeline.in_service: the hub's downlink port
  left unconfigured), the site's own routers are wiped (`wiped`: hostname and management only) unless
  --keep-config; those whose config differs go through provision.yml --limit (canary, commit-confirm, rollback
  of a failed host); then the sites that shared the changed routers are verified (nothing may regress); then
  NetBox, the ledger with the evidence, the status in intent, the journal entry.

A failed step stops the run: the routers this run pushed are rolled back, the status stays where it was.
`--release` then drops the site from its unit's file and its line from allocations.yml, so its prefixes and hub
ports can be given to another site; the ledger folder stays as its history.
"""

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from citynet_models.devices import ManagementInterface
from citynet_models.network import Network
from citynet_models.problems import Location, Problem, item
from citynet_models.rollout import Transition
from citynet_models.types import LifecycleStatus
from netops.allocations.store import dump_record, record_path
from netops.design import build_design
from netops.errors import EXIT_BAD_INPUT, InputError
from netops.files import write_atomic
from netops.intent.loader import display_path, load_intent
from netops.lab.topology import LabPlan, plan_lab
from netops.netbox.vocabulary import CIRCUIT_STATUS, DEVICE_STATUS, SITE_STATUS
from netops.pipeline import in_service
from netops.rollout.ledger import find_site, ledger_path, ledger_text, read_ledger
from netops.rollout.scope import RolloutScope, verified_devices
from netops.rollout.steps import (
    Evidence,
    Rollout,
    RolloutStepError,
    compare_configs,
    render_routers,
    rollback,
    run_provision,
    with_status,
)
from netops.site.add import tried
from netops.site.yamledit import NotInsertableError, remove_list_item
from netops.verify.engine import lab_targets, run_verification
from netops.verify.report import to_json, to_markdown

STEP = LifecycleStatus.DECOMMISSIONED
#: The evidence of a decommissioning, in the site's rollout folder (beside the rollout's own files).
EVIDENCE_DIR = "decommission"
NETBOX_RECORD = f"{EVIDENCE_DIR}/netbox.json"
VERIFY_JSON = f"{EVIDENCE_DIR}/verify.json"
VERIFY_MARKDOWN = f"{EVIDENCE_DIR}/verify.md"
#: States in which the site's routers run its config in the lab (pushed by the provisioned step).
PUSHED = frozenset({LifecycleStatus.PROVISIONED, LifecycleStatus.VERIFIED, LifecycleStatus.ACCEPTED})


def diff_name(router: str) -> str:
    """The evidence file of the diff pushed to a router."""
    return f"{EVIDENCE_DIR}/diffs/{router}.diff"


@dataclass(frozen=True)
class Decommission:
    """One decommissioning: the site, where it is, what the run touches."""

    slug: str
    current: LifecycleStatus
    #: The network as it is (the site in `current`).
    network: Network
    scope: RolloutScope
    keep_config: bool

    @property
    def after(self) -> Network:
        """The network with the site decommissioned (what NetBox is told)."""
        return with_status(self.network, self.slug, STEP)

    @property
    def in_netbox(self) -> bool:
        """Whether NetBox holds the site (it was staged)."""
        return self.current is not LifecycleStatus.PLANNED and self.current is not STEP

    @property
    def pushes(self) -> bool:
        """Whether routers are pushed: the site's config runs in the lab."""
        return self.current in PUSHED

    @property
    def repushed(self) -> tuple[str, ...]:
        """The routers rendered again without the site: its neighbours and the route reflectors."""
        return tuple(sorted({*self.scope.neighbours, *self.scope.reflectors})) if self.pushes else ()

    @property
    def wiped(self) -> tuple[str, ...]:
        """The site's routers pushed their wiped config (none with --keep-config)."""
        return self.scope.routers if self.pushes and not self.keep_config else ()


def dependants(network: Network, slug: str) -> list[str]:
    """The sites still in service with an uplink to a router of site `slug`."""
    own = {device.name for device in network.devices_by_site.get(slug, [])}
    site_of = {device.name: device.site for device in network.devices}
    return sorted({site_of[link.downstream.device] for link in network.links if link.upstream.device in own}
                  - {slug} - {s.slug for s in network.sites if s.status is STEP})


def wiped(network: Network, slug: str) -> Network:
    """The network with the routers of site `slug` wiped: each keeps its hostname and its management (the
    management interface, AAA, SSH, the management-plane filter, NTP, syslog, SNMP, banner) and nothing else: no
    loopback, WAN or LAN interface, no OSPF, BGP or policy. Rendered through the same templates as every config."""
    own = {device.name for device in network.devices_by_site.get(slug, [])}
    return network.replaced(
        devices=tuple(device.model_copy(update={"loopback": None, "interfaces": tuple(
            i for i in device.interfaces if isinstance(i, ManagementInterface))}) if device.name in own else device
            for device in network.devices),
        links=tuple(link for link in network.links
                    if link.upstream.device not in own and link.downstream.device not in own),
        sites=tuple(site.model_copy(update={"lans": ()}) if site.slug == slug else site for site in network.sites),
    )


def netbox_changes(plan: Decommission) -> list[str]:
    """What NetBox is told, in words (from the model: NetBox itself is read only when the run writes)."""
    if not plan.in_netbox:
        return []
    site = plan.network.site_by_slug[plan.slug]
    devices = plan.network.devices_by_site.get(plan.slug, [])
    own = {device.name for device in devices}
    circuits = [link.circuit for link in plan.network.links
                if link.downstream.device in own and link.circuit is not None]
    lines = [f"site {plan.slug}: status {SITE_STATUS[site.status]} -> {SITE_STATUS[STEP]}"]
    lines += [f"device {device.name}: status {DEVICE_STATUS[site.status]} -> {DEVICE_STATUS[STEP]}"
              for device in devices]
    lines += [f"circuit {circuit.circuit_id}: status {CIRCUIT_STATUS[site.status]} -> {CIRCUIT_STATUS[STEP]}"
              for circuit in circuits]
    return lines


def _recorded_plan(run: Rollout, plan: Decommission) -> LabPlan:
    """The lab as it runs: it must hold every router the run pushes."""
    recorded = run.lab.plan()
    if recorded is None:
        raise RolloutStepError(STEP, f"no lab is up (nothing recorded in {run.lab.home.path})",
                               exit_code=EXIT_BAD_INPUT, hint="netops lab up")
    missing = [name for name in (*plan.repushed, *plan.wiped) if name not in recorded.router_by_device]
    if missing:
        raise RolloutStepError(STEP, f"the lab leaves out {', '.join(missing)}", exit_code=EXIT_BAD_INPUT,
                               hint="bring up a lab with the site's area: netops lab up --area CODE")
    return recorded


def push(run: Rollout, plan: Decommission) -> Evidence:
    """The neighbours and reflectors without the site, the site's routers wiped: those that differ from what they
    run are pushed through provision.yml --limit; evidence, the diffs pushed."""
    recorded = _recorded_plan(run, plan)
    settings = run.lab.render_settings()
    rendered = render_routers(build_design(in_service(plan.after), settings), plan.repushed, STEP)
    if plan.wiped:
        # The management-plane filter (nftables) of a wiped router is the one its wiped design renders.
        rendered += render_routers(build_design(wiped(plan.network, plan.slug), settings), plan.wiped, STEP)
    configs = {device.device: device.files["cfg"] for device in rendered}
    diffs = compare_configs(run, configs, recorded, STEP)
    changed = sorted(name for name, diff in diffs.items() if diff)
    run.progress(f"compare_config: {len(changed)} of {len(diffs)} routers differ"
                 + (f" ({', '.join(changed)})" if changed else ""))
    folder = run.work / "decommission-configs"  # beside the rollout's configs folder, which render manages
    for device in rendered:
        for suffix, text in device.files.items():
            write_atomic(folder / device.platform.value / f"{device.device}.{suffix}", text)
    if changed:
        run_provision(run, changed, step=STEP, rendered=folder)
        run.lab.wait(timeout=30, progress=run.progress)
    kept = " (the site's routers kept as they run)" if plan.keep_config else ""
    return Evidence({diff_name(name): diffs[name].encode() for name in changed},
                    f"pushed {', '.join(changed) or 'nothing'}{kept}")


def verify(run: Rollout, plan: Decommission) -> Evidence:
    """The sites that shared the changed routers, verified on the network without the site; on failure this
    run's pushes are rolled back."""
    running = in_service(plan.after)
    recorded = _recorded_plan(run, plan)
    lab = plan_lab(running, list(recorded.districts))
    scope = {name for name in verified_devices(running, plan.scope) if name in lab.router_by_device}
    result = run_verification(build_design(running, run.lab.render_settings()), lab,
                              lab_targets(run.lab.home, lab), scope=scope, progress=run.progress)
    passing = sorted(s.site for s in result.sites if s.ok)
    if not result.ok:
        failures = [f"{s.site}: {c.name}: {c.reason}" for s in result.sites for c in s.failures]
        rolled_back = rollback(run)
        raise RolloutStepError(STEP, f"{len(result.sites) - len(passing)} of {len(result.sites)} sites fail: "
                               + "; ".join(failures[:5]), rolled_back=rolled_back)
    return Evidence({VERIFY_JSON: to_json(result).encode(), VERIFY_MARKDOWN: to_markdown(result).encode()},
                    f"{len(passing)} sites still pass: {', '.join(passing)}")


@dataclass(frozen=True)
class Release:
    """The files a release writes: the unit's file without the site, the record without its line."""

    unit_path: Path
    unit_text: str
    record_path: Path
    record_text: str


def plan_release(intent_dir: Path, slug: str) -> Release:
    """The site dropped from its unit's file and from allocations.yml, tried through the whole pipeline in a copy
    of the intent; InputError (nothing to write) when that is not valid."""
    intent = load_intent(intent_dir)
    site = find_site(intent, slug).plan
    unit_path = Path(site.document.file)
    shown = display_path(unit_path)
    problem = Problem(path=("sites", item(slug)), message="cannot remove the site from its file",
                      expected="the site as an item of the file's block list `sites:`", found="",
                      hint="remove the site's lines by hand, then `netops allocations release " + slug + "`",
                      location=Location(shown, site.location.line))
    index = site.data_path[-1] if site.data_path[:-1] == ("sites",) else None
    if not isinstance(index, int):
        raise InputError([replace(problem, found=f"the site at {'.'.join(map(str, site.data_path))}")])
    try:
        unit_text = remove_list_item(unit_path.read_text(encoding="utf-8"), "sites", index, shown)
    except NotInsertableError as error:
        raise InputError([replace(problem, found=str(error))]) from error
    record_file = record_path(intent_dir)
    record_text = None
    if intent.allocations is not None:
        record = intent.allocations.record
        kept = {name: entry for name, entry in record.sites.items() if name != slug}
        record_text = dump_record(record.model_copy(update={"sites": kept}))
    tried(intent_dir, {unit_path: unit_text, **({record_file: record_text} if record_text is not None else {}),
                       **_ledger_as_decommissioned(intent_dir, slug)})
    return Release(unit_path, unit_text, record_file,
                   record_text if record_text is not None else record_file.read_text(encoding="utf-8"))


def _ledger_as_decommissioned(intent_dir: Path, slug: str) -> dict[Path, str]:
    """The site's ledger as the run leaves it when it releases a site it is also taking out: its last state
    decommissioned, which is what makes the folder of a site no longer in the intent its history (netops.rollout.
    gates); nothing when the site has no ledger or is decommissioned already."""
    ledger = read_ledger(intent_dir, slug)
    if ledger is None or ledger.state is LifecycleStatus.DECOMMISSIONED:
        return {}
    step = Transition(state=LifecycleStatus.DECOMMISSIONED, at=datetime.now(UTC), summary="taken out (this run)")
    taken_out = ledger.model_copy(update={"transitions": (*ledger.transitions, step)})
    return {ledger_path(intent_dir, slug): ledger_text(taken_out)}


def write_release(release: Release) -> None:
    """The unit's file first, then the record (a run stopped between them leaves a record `netops allocations
    release` finishes)."""
    write_atomic(release.unit_path, release.unit_text)
    write_atomic(release.record_path, release.record_text)


def release_summary(release: Release) -> dict[str, str]:
    """The files a release changes, for the output."""
    return {"unit_file": display_path(release.unit_path), "record": display_path(release.record_path)}


def netbox_record(plan: Decommission, record: dict[str, object]) -> Evidence:
    """The NetBox apply's record as evidence."""
    text = json.dumps({"site": plan.slug, **record}, indent=2, ensure_ascii=False) + "\n"
    result = record.get("result")
    updated = result.get("updated") if isinstance(result, dict) else None
    return Evidence({NETBOX_RECORD: text.encode()}, f"NetBox {record.get('netbox')}: {updated} updated")
