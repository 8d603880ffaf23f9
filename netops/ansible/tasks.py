"""What the modules of the collection citynet.netops do, one function per module: validated arguments in, a
result dict out.

Each runs in the controller (connection local: NAPALM reaches the devices from there). The collection
(collections/ansible_collections/citynet/netops) owns the Ansible side: the modules' documentation and argument
specs (plugins/module_utils/netops_task.py), the action plugins that call these functions in Ansible's worker
process (a task costs no interpreter start and no module transfer), and the modules that call the same functions
when run by themselves. The arguments reach these functions validated against those specs.
A task that fails raises `TaskError` with the message and any result keys worth returning.
"""

import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from netops.lab.netns import netns_command
from netops.push.napalm import ConfirmError, PushError, Target, confirm_commit, push_config, rollback, run_getters
from netops.push.napalm import validate as compliance_report


class TaskError(Exception):
    """A task's failure: the message, and result keys to return with it."""

    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result


def target_of(params: Mapping[str, Any]) -> Target:
    """The device a task's arguments name."""
    return Target(driver=params["driver"], hostname=params["hostname"], username=params["username"],
                  password=params["password"] or "", optional_args=params["optional_args"] or {},
                  timeout=params["timeout"])


def secrets_of(given: Mapping[str, Any]) -> dict[str, str]:
    """Render secret values: NETOPS_SECRET_* from the environment, overridden by the task's (by name, or as
    NETOPS_SECRET_<NAME>: value; the role passes its vault_netops_secret_<name> variables this way).

    A name that is no known secret is an error: a misspelt vault variable would otherwise be dropped without a
    word and the push would fail later, or push the environment's value instead."""
    from netops.render.secrets import SECRETS, from_environment

    values = {str(k): str(v) for k, v in given.items()}
    known = {*SECRETS, *(f"NETOPS_SECRET_{name.upper()}" for name in SECRETS)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise TaskError(f"unknown secret {', '.join(repr(k) for k in unknown)} (from vault_netops_secret_<name> "
                        f"or the secrets argument): the known secrets are {', '.join(sorted(SECRETS))}")
    return {**from_environment(), **from_environment(values),
            **{k: v for k, v in values.items() if not k.startswith("NETOPS_SECRET_")}}


def config(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """netops_config: push a rendered config (load, diff, backup, commit, prove the management path, confirm,
    or roll back), or confirm / roll back a pending commit."""
    target = target_of(params)
    try:
        if params["state"] == "confirmed":
            if not check_mode and not confirm_commit(target):
                raise TaskError(f"{target.hostname}: no commit awaits confirmation: the device rolled it back by "
                                 "itself (its revert timer fired before the confirmation), or it was not made with "
                                 "revert_in", pending=False, rolled_back=True)
            return {"changed": not check_mode, "pending": False, "diff_text": ""}
        if params["state"] == "rolled_back":
            if not check_mode:
                rollback(target)
            return {"changed": True, "pending": False, "diff_text": ""}
        path = Path(params["config_file"])
        if not path.is_file():
            raise TaskError(f"{path} is missing: run netops render first")
        result = push_config(target, path.read_text(encoding="utf-8"), secrets_of(params["secrets"]),
                             replace=params["replace"], check=check_mode, revert_in=params["revert_in"],
                             confirm=params["confirm"],
                             backup_path=Path(params["backup_path"]) if params["backup_path"] else None,
                             answer_within=params["answer_within"])
    except ConfirmError as error:
        raise TaskError(str(error), changed=True, pending=False, rolled_back=True,
                         rolled_back_by_timer=error.by_timer) from error
    except (PushError, OSError) as error:
        raise TaskError(str(error)) from error
    output: dict[str, Any] = {"changed": result.changed, "diff_text": result.diff, "pending": result.pending,
                              "backup": result.backup}
    if params["lab_netns"]:
        nftables = params["lab_nftables"] or str(path.with_suffix(".nft"))
        loaded = lab_nftables({"netns": params["lab_netns"], "file": nftables}, check_mode, diff)
        host = lab_host_files(params["lab_netns"], path, secrets_of(params["secrets"]), params["lab_home"],
                              check_mode)
        output["changed"] = (output["changed"] or loaded["changed"] or bool(host["lab_host_changed"])
                             or bool(host["lab_host_restarted"]))
        output["lab_nftables_changed"] = loaded["changed"]
        output.update(host)
    if diff:
        output["diff"] = {"prepared": result.diff}
    return output



def getters(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """netops_getters: NAPALM getters' results by getter name."""
    try:
        return {"changed": False, "results": run_getters(target_of(params), params["getters"])}
    except PushError as error:
        raise TaskError(str(error)) from error



def validate(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """netops_validate: NAPALM's compliance report of the device against a validation spec."""
    spec = params["spec"] or yaml.safe_load(Path(params["spec_file"]).read_text(encoding="utf-8"))
    try:
        report = compliance_report(target_of(params), spec)
    except PushError as error:
        raise TaskError(str(error)) from error
    if params["fail_on_noncompliance"] and not report.get("complies", False):
        raise TaskError(f"{params['hostname']} does not comply with the validation spec", report=report)
    return {"changed": False, "report": report}



def backup(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """netops_backup: fetch a device's running config into the backups folder, or commit the run's changes."""
    from citynet_models.types import Platform
    from netops.backup.fetch import FetchError, fetch_config
    from netops.backup.store import BackupError, commit_pending, write_backups

    folder = Path(params["folder"])
    try:
        if params["action"] == "commit":
            if check_mode:
                return {"changed": False, "changed_devices": [], "commit": None}
            done = commit_pending(folder)
            return {"changed": done.touched, "changed_devices": done.changed + done.new, "commit": done.commit,
                    "msg": done.message.strip() or "no change, no commit"}
        parts = fetch_config(params["driver"], params["host"], params["username"] or "", params["password"] or "",
                             params["timeout"], params["optional_args"])
        parts.update({str(part): str(text) for part, text in params["parts"].items() if str(text).strip()})
        if params["lab_netns"] and params["platform"] == "frr":
            parts["nft"] = lab_nftables_of(params["lab_netns"])
        if check_mode:
            return {"changed": False, "changed_devices": [], "commit": None}
        result = write_backups(folder, {params["device"]: parts}, {params["device"]: Platform(params["platform"])},
                               commit=False, prune=True)
        return {"changed": result.touched, "changed_devices": result.changed + result.new, "commit": None}
    except (FetchError, BackupError, ValueError, OSError) as error:
        raise TaskError(str(error)) from error



def _nft(netns: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(netns_command(netns, ["nft", *arguments]), capture_output=True, text=True,
                          check=False)


def lab_nftables_of(netns: str) -> str:
    """The netops table a lab router's namespace has loaded (empty when none is)."""
    listed = _nft(netns, "-s", "list", "table", "inet", "netops")
    return listed.stdout if listed.returncode == 0 else ""


def lab_nftables(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The netops lab's part of netops_config (lab_netns): load a lab router's rendered ruleset in one nft
    transaction (a file that does not load leaves the loaded table as it was); changed when the loaded table
    differs afterwards. Check mode only checks that the file parses. One process in the namespace for it all."""
    netns, path = params["netns"], params["file"]
    if not Path(path).is_file():
        raise TaskError(f"{path} is missing: run netops render first")
    if check_mode:
        checked = _nft(netns, "-c", "-f", path)
        if checked.returncode != 0:
            raise TaskError(f"{path} does not parse in {netns}: {checked.stderr.strip()}")
        return {"changed": False}
    listing = "nft -s list table inet netops 2>/dev/null"
    script = f'{listing}; echo "{_SEPARATOR}"; nft -f "$1" || exit 90; echo "{_SEPARATOR}"; {listing}'
    done = subprocess.run(netns_command(netns, ["sh", "-c", script, "sh", path]), capture_output=True,
                          text=True, check=False)
    if done.returncode == 90:
        raise TaskError(f"loading {path} into {netns} failed: {done.stderr.strip()}")
    parts = done.stdout.split(f"{_SEPARATOR}\n")
    if done.returncode != 0 or len(parts) != 3:
        raise TaskError(f"loading {path} into {netns} failed (exit {done.returncode}): {done.stderr.strip()}")
    return {"changed": parts[0] != parts[2]}


def lab_host_files(netns: str, config_file: Path, secrets: Mapping[str, str], home: str | None,
                   check_mode: bool) -> dict[str, Any]:
    """The netops lab's part of netops_config for the router's host files: the rendered parts beside the config
    (`<stem>.snmpd`, `.chrony`, `.rsyslog`, `.sshd`, `.banner`, `.radius`), secrets filled as the push fills them,
    applied into the lab router's host folder; only the daemons whose file changed are restarted (sshd reloaded).
    A part not rendered leaves the router's file as it is. Check mode says what would change, writing nothing.
    A real Debian box gets the same files through become and ansible.builtin.template."""
    from netops.lab.errors import LabError
    from netops.lab.hostd import HOST_FILES, apply
    from netops.lab.state import LabHome
    from netops.render.secrets import SecretError, substitute

    parts = {}
    for host_file in HOST_FILES:
        part = config_file.with_suffix(f".{host_file.part}")
        if part.is_file():
            try:
                parts[host_file.part] = substitute(part.read_text(encoding="utf-8"), secrets)
            except SecretError as error:
                raise TaskError(f"{part}: secret {error.name!r}: {error.reason}") from error
    if not parts:
        return {"lab_host_changed": [], "lab_host_restarted": []}
    try:
        applied = apply(LabHome(Path(home) if home else None), netns, parts, check=check_mode)
    except LabError as error:
        raise TaskError(f"{error.message} ({error.hint})" if error.hint else error.message) from error
    return {"lab_host_changed": applied.changed, "lab_host_restarted": applied.restarted + applied.reloaded}


#: Between the listings of one lab_nftables run (no nft listing prints it).
_SEPARATOR = "--- netops: loaded ---"


#: The work of each module of citynet.netops, by module name.
WORK: dict[str, Callable[[dict[str, Any], bool, bool], dict[str, Any]]] = {
    "netops_config": config, "netops_getters": getters, "netops_validate": validate, "netops_backup": backup}
