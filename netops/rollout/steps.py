"""The steps of `netops rollout`, one per lifecycle transition, each returning the evidence of its state.

- staged: the site's part of the NetBox plan written (netops.rollout.staging), with the site's status in NetBox;
  evidence ``netbox-staged.json``, the changes applied.
- provisioned: the lab made to hold the site's routers (`lab up` onto the running lab), the touched routers'
  rendered configs compared with what they run (NAPALM compare_config), and only those that differ provisioned
  through playbooks/provision.yml with --limit, pushing the configs compared (its render play skipped; its
  canary, commit-confirm and rollback kept), then their adjacencies awaited; evidence
  ``diffs/<device>.diff``, the diffs pushed.
- verified: control plane, reachability by policy and redundancy of the site and of the sites that share its
  changed routers (netops.rollout.scope.verified_devices); evidence ``verify-verified.{json,md}``.
- accepted: the verified evidence present and passing, and a named sign-off.

A failed step raises RolloutStepError; the routers this run pushed are rolled back to their pre-push backups first.
"""

import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from citynet_models.network import Network
from citynet_models.rollout import SiteLedger
from citynet_models.types import LifecycleStatus
from netops.ansible.playbook import run_playbook
from netops.design import Design, build_design
from netops.errors import EXIT_BAD_INPUT, EXIT_FINDING, EXIT_UNREACHABLE, NetopsError
from netops.lab.configs import lab_secrets
from netops.lab.errors import LabError
from netops.lab.lab import Lab
from netops.lab.topology import LabPlan, plan_lab
from netops.netbox.apply import ApplyOptions, ConflictError, apply_plan
from netops.netbox.client import NetBoxClient
from netops.netbox.mapping import desired_records
from netops.netbox.plan import make_plan
from netops.netbox.snapshot import read_snapshot
from netops.pipeline import in_service
from netops.progress import ProgressSink as Progress
from netops.push.napalm import PushError, push_config
from netops.render.engine import Job, RenderedDevice, render_devices
from netops.render.output import write_rendered
from netops.rollout.scope import RolloutScope, verified_devices
from netops.rollout.staging import staged_changes
from netops.verify.engine import lab_targets, run_verification
from netops.verify.report import to_json, to_markdown

#: The project root: provision.yml and ansible.cfg are found from here.
ROOT = Path(__file__).resolve().parents[2]
PROVISION = ROOT / "playbooks" / "provision.yml"
VERIFIED_REPORT = "verify-verified.json"


class RolloutStepError(NetopsError):
    """A step that did not pass: which, why, what was rolled back; the exit code its cause calls for."""

    def __init__(self, step: LifecycleStatus, reason: str, *, exit_code: int = EXIT_FINDING,
                 hint: str | None = None, rolled_back: tuple[str, ...] = ()) -> None:
        self.step = step
        self.reason = reason
        self.hint = hint
        self.rolled_back = rolled_back
        self.exit_code = exit_code
        super().__init__(f"{step.value}: {reason}")


@dataclass(frozen=True)
class Evidence:
    """What a step proves: the files for the site's evidence folder, and one line saying what was done."""

    files: dict[str, bytes]
    summary: str


@dataclass
class Rollout:
    """One run of `netops rollout` on one site."""

    intent: Path
    network: Network
    scope: RolloutScope
    lab: Lab
    progress: Progress
    #: Routers this run pushed, with their pre-push backup (what a failure rolls them back to).
    pushed: dict[str, Path] = field(default_factory=dict)

    @property
    def running(self) -> Network:
        """The network in service (netops.pipeline.in_service): what is rendered, brought up and verified."""
        return in_service(self.network)

    @property
    def work(self) -> Path:
        """The run's private folder beside the lab home: configs rendered, pre-push backups (never in git)."""
        return self.lab.home.path.parent / "rollout" / self.scope.site


def with_status(network: Network, slug: str, state: LifecycleStatus) -> Network:
    """The network with site `slug` in `state` (what NetBox is told the site's status is)."""
    return network.replaced(sites=tuple(site.model_copy(update={"status": state}) if site.slug == slug else site
                                        for site in network.sites))


def netbox_sync(rollout: Rollout, client: NetBoxClient, state: LifecycleStatus) -> dict[str, object]:
    """Write the site's part of the NetBox plan, the site in `state`; the changes and what was written."""
    network = with_status(rollout.network, rollout.scope.site, state)
    snapshot = read_snapshot(client, desired=desired_records(network), progress=rollout.progress)
    plan = staged_changes(make_plan(desired_records(network), snapshot), network, rollout.scope)
    message = f"netops rollout {rollout.scope.site}: {state.value}"
    try:
        result = apply_plan(client, plan, snapshot, ApplyOptions(message=message), progress=rollout.progress)
    except ConflictError as error:
        raise RolloutStepError(LifecycleStatus.STAGED, f"{error}: {', '.join(c.label for c in error.conflicts)}",
                            hint="netops plan shows them; netops apply --adopt takes them over") from error
    return {"netbox": client.url, "state": state.value, "changes": plan.to_json()["changes"],
            "result": result.to_json()}


def stage(rollout: Rollout, client: NetBoxClient) -> Evidence:
    """Apply the site's objects and its neighbours' changed interfaces to NetBox, the site staged."""
    record = netbox_sync(rollout, client, LifecycleStatus.STAGED)
    result = record["result"]
    assert isinstance(result, dict)
    text = json.dumps({"site": rollout.scope.site, **record}, indent=2, ensure_ascii=False) + "\n"
    return Evidence({"netbox-staged.json": text.encode()},
                    f"NetBox {record['netbox']}: {result['created']} created, {result['updated']} updated")


def _lab_plan(rollout: Rollout, step: LifecycleStatus) -> LabPlan:
    """The running lab's selection applied to this intent; the touched routers must be in it."""
    recorded = rollout.lab.plan()
    if recorded is None:
        raise RolloutStepError(step, f"no lab is up (nothing recorded in {rollout.lab.home.path})",
                            exit_code=EXIT_BAD_INPUT, hint="netops lab up (make demo leaves one up with "
                                                           "NETOPS_DEMO_KEEP_LAB=1)")
    plan = plan_lab(rollout.running, list(recorded.districts))
    missing = [name for name in rollout.scope.touched if name not in plan.router_by_device]
    if missing:
        raise RolloutStepError(step, f"the lab's selection ({', '.join(recorded.districts) or 'the city'}) leaves out "
                            f"{', '.join(missing)}", exit_code=EXIT_BAD_INPUT,
                            hint="bring up a lab with the site's area: netops lab up --area CODE")
    return plan


def _design(rollout: Rollout) -> Design:
    return build_design(rollout.running, rollout.lab.render_settings())


def provision(rollout: Rollout) -> Evidence:
    """Bring the site's routers into the lab, then push the touched routers whose config differs (see module)."""
    step = LifecycleStatus.PROVISIONED
    plan = _lab_plan(rollout, step)
    design = _design(rollout)
    recorded = rollout.lab.plan()
    state = rollout.lab.home.load()
    if recorded is not None and state is not None and recorded.digest() != plan.digest():
        rollout.progress(f"lab up: {len(plan.routers) - len(recorded.routers)} more routers")
        try:
            rollout.lab.up(rollout.running, plan, configured=state.configured, design=design,
                           intent=str(rollout.intent), progress=rollout.progress)
        except LabError as error:
            raise RolloutStepError(step, error.message, exit_code=EXIT_BAD_INPUT, hint=error.hint) from error
        except OSError as error:
            raise RolloutStepError(step, f"lab up failed: {error}", exit_code=EXIT_UNREACHABLE) from error
    diffs = _diffs(rollout, design, plan)
    changed = sorted(name for name, diff in diffs.items() if diff)
    rollout.progress(f"compare_config: {len(changed)} of {len(diffs)} touched routers differ"
                     + (f" ({', '.join(changed)})" if changed else ""))
    if changed:
        run_provision(rollout, changed, rendered=rollout.work / "configs")
        # Only the pushed routers' adjacencies can have moved: polling the rest of the lab costs a vtysh call per
        # router of the city and proves nothing more (verification then checks the sites around them).
        settled = rollout.lab.wait(timeout=30, progress=rollout.progress, devices=changed)
        rollout.progress(f"adjacencies of the pushed routers {'up' if settled.converged else 'not all up'} "
                         f"after {settled.seconds:.1f} s")
    files = {f"diffs/{name}.diff": diffs[name].encode() for name in changed}
    unchanged = sorted(set(diffs) - set(changed))
    return Evidence(files, f"pushed {', '.join(changed) or 'nothing'}"
                    + (f"; already as rendered: {', '.join(unchanged)}" if unchanged else ""))


def _secrets(rollout: Rollout) -> dict[str, str]:
    return lab_secrets(rollout.lab.home)


def _diffs(rollout: Rollout, design: Design, plan: LabPlan) -> dict[str, str]:
    """Each touched router's diff from what it runs to its rendered config (NAPALM compare_config, nothing
    committed)."""
    rendered = render_routers(design, rollout.scope.touched, LifecycleStatus.PROVISIONED)
    configs = {r.device: r.files["cfg"] for r in rendered}
    # provision.yml pushes these very files (its render play is skipped): what is pushed is what was compared,
    # and the playbook does not render the whole city again for a handful of routers.
    write_rendered(rollout.work / "configs", rendered, {d.name for d in rollout.network.devices})
    return compare_configs(rollout, configs, plan, LifecycleStatus.PROVISIONED)


def render_routers(design: Design, names: Sequence[str], step: LifecycleStatus) -> list[RenderedDevice]:
    """The routers' configs under `design`; a config that cannot be rendered fails `step` (bad input)."""
    outcome = render_devices(Job(design=design, template_dirs=(), as_platform=None), list(names), workers=1)
    if outcome.gaps or outcome.failures:
        first = (outcome.gaps or outcome.failures)[0]
        raise RolloutStepError(step, f"the configs cannot be rendered: {first}", exit_code=EXIT_BAD_INPUT,
                               hint="netops render shows every problem")
    return outcome.rendered


def compare_configs(rollout: Rollout, configs: dict[str, str], plan: LabPlan, step: LifecycleStatus) -> dict[str, str]:
    """Each router's diff from what it runs to `configs[router]` (NAPALM compare_config, nothing committed)."""
    target_for = lab_targets(rollout.lab.home, plan)
    secrets = _secrets(rollout)

    def diff(name: str) -> str:
        return push_config(target_for(name), configs[name], secrets, check=True).diff

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(zip(configs, pool.map(diff, configs), strict=True))
    except PushError as error:
        raise RolloutStepError(step, str(error), exit_code=EXIT_UNREACHABLE,
                               hint="netops lab status shows the routers that do not answer") from error


def _playbook_env(rollout: Rollout) -> dict[str, str]:
    # The playbook renders from the rollout's intent, whatever source the caller's shell names (NETOPS_SOURCE).
    env = {**os.environ, "NETOPS_INTENT": str(rollout.intent.resolve()), "NETOPS_SOURCE": "intent",
           "NETOPS_LAB_HOME": str(rollout.lab.home.path),
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    env.update({f"NETOPS_SECRET_{name.upper()}": value for name, value in _secrets(rollout).items()})
    return env


def _recap(output: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP counters of an ansible-playbook run, by host."""
    recap: dict[str, dict[str, int]] = {}
    for match in re.finditer(r"^(\S+)\s+: ((?:\w+=\d+\s*)+)$", output, re.M):
        recap[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return recap


def run_provision(rollout: Rollout, routers: list[str], *, step: LifecycleStatus = LifecycleStatus.PROVISIONED,
                  rendered: Path | None = None) -> None:
    """provision.yml on `routers` only; on failure, every router this run pushed is rolled back. `rendered`: a
    folder that already holds the configs (<platform>/<device>.cfg and .nft), and the playbook renders nothing;
    else the playbook renders the intent into the run's configs folder."""
    backups = rollout.work / "pre-push"
    for name in routers:  # a backup left by an earlier run is not this run's pre-push config
        (backups / f"{name}.cfg").unlink(missing_ok=True)
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(PROVISION),
               "--limit", ",".join([*routers, "localhost"]),
               "-e", f"provision_configs={rendered or rollout.work / 'configs'}",
               "-e", f"network_config_backup_dir={backups}",
               *(["-e", "provision_render=false"] if rendered is not None else [])]
    rollout.progress(f"provision.yml --limit {','.join(routers)}")
    done = run_playbook(command, cwd=ROOT, env=_playbook_env(rollout), hosts=routers, progress=rollout.progress,
                        description="provision.yml: routers")
    rollout.pushed.update({name: backups / f"{name}.cfg" for name in routers if (backups / f"{name}.cfg").exists()})
    if done.returncode == 0:
        changes = sum(counters.get("changed", 0) for host, counters in _recap(done.stdout).items()
                      if host != "localhost")
        rollout.progress(f"provision.yml done: {changes} changes on {len(routers)} routers")
        return
    recap = _recap(done.stdout)
    failed = sorted(h for h, c in recap.items() if c.get("failed") or c.get("unreachable"))
    reasons = [line.strip() for line in done.stdout.splitlines() if line.startswith(("fatal:", "failed:"))]
    rolled_back = rollback(rollout)
    unreachable = any(c.get("unreachable") for c in recap.values())
    raise RolloutStepError(step,
                        f"provision.yml failed on {', '.join(failed) or 'the run'}: "
                        + ("; ".join(reasons[:3]) or done.stderr.strip()[-500:] or f"exit {done.returncode}"),
                        exit_code=EXIT_UNREACHABLE if unreachable else EXIT_FINDING, rolled_back=rolled_back)


def rollback(rollout: Rollout) -> tuple[str, ...]:
    """Push back the pre-push backup of every router this run changed; the routers rolled back."""
    if not rollout.pushed:
        return ()
    plan = rollout.lab.plan()
    assert plan is not None
    target_for = lab_targets(rollout.lab.home, plan)
    secrets = _secrets(rollout)
    done: list[str] = []
    for name, backup in sorted(rollout.pushed.items()):
        try:
            push_config(target_for(name), backup.read_text(encoding="utf-8"), secrets, check=False)
        except (PushError, OSError) as error:
            rollout.progress(f"rollback of {name} failed: {error}")
            continue
        done.append(name)
    rollout.progress(f"rolled back {', '.join(done) or 'nothing'}")
    rollout.pushed.clear()
    return tuple(done)


def verify(rollout: Rollout) -> Evidence:
    """Verify the site and the sites sharing its changed routers; on failure roll this run's pushes back."""
    step = LifecycleStatus.VERIFIED
    plan = _lab_plan(rollout, step)
    scope = {name for name in verified_devices(rollout.network, rollout.scope) if name in plan.router_by_device}
    result = run_verification(_design(rollout), plan, lab_targets(rollout.lab.home, plan), scope=scope,
                              progress=rollout.progress)
    sites = {s.site for s in result.sites}
    passing = sorted(s.site for s in result.sites if s.ok)
    if not result.ok:
        failures = [f"{s.site}: {c.name}: {c.reason}" for s in result.sites for c in s.failures]
        rolled_back = rollback(rollout)
        raise RolloutStepError(step, f"{len(sites) - len(passing)} of {len(sites)} sites fail: "
                            + "; ".join(failures[:5]) + (f" (and {len(failures) - 5} more)" if len(failures) > 5
                                                         else ""), rolled_back=rolled_back)
    return Evidence({VERIFIED_REPORT: to_json(result).encode(), "verify-verified.md": to_markdown(result).encode()},
                    f"{len(passing)} sites pass: {', '.join(passing)}")


def accept(rollout: Rollout, ledger: SiteLedger | None, by: str) -> Evidence:
    """The sign-off: the verified evidence must be there and passing."""
    step = LifecycleStatus.ACCEPTED
    last = ledger.transitions[-1] if ledger is not None and ledger.transitions else None
    report = rollout.intent / "rollout" / rollout.scope.site / VERIFIED_REPORT
    if last is None or last.state is not LifecycleStatus.VERIFIED or VERIFIED_REPORT not in last.evidence \
            or not report.exists():
        raise RolloutStepError(step, f"no verification evidence ({report})", exit_code=EXIT_BAD_INPUT,
                            hint=f"netops rollout {rollout.scope.site} --to verified")
    data = json.loads(report.read_text(encoding="utf-8"))
    if not data.get("ok"):
        raise RolloutStepError(step, f"the verification evidence does not pass ({report})",
                            hint=f"netops rollout {rollout.scope.site} --to verified")
    return Evidence({}, f"accepted by {by} on the verification of {last.at}")


#: The step that reaches each state (accepted takes the ledger and the sign-off: see the command).
Step = Callable[[Rollout], Evidence]
STEPS: dict[LifecycleStatus, Step] = {LifecycleStatus.PROVISIONED: provision, LifecycleStatus.VERIFIED: verify}
