"""Device push as a transaction through NAPALM, and the getters and validation around it.

`push_config` loads the candidate (secrets filled in memory), diffs it, and in check mode (or with nothing to
change) stops there without opening a commit; otherwise it saves the previous running config to the backup path
first, commits (optionally with a revert timer), and with `confirm` proves the management path before keeping
the change: the management port answers, a fresh login reads the facts, then the commit is confirmed. A commit
that cannot be confirmed is rolled back (explicitly, else by the device's own timer) and raised as a
`ConfirmError`. Any other error discards the candidate and is raised as a `PushError` naming the host and the
stage. Secret values never leave this module: the diff and the backup carry the `$NETOPS_SECRET{name}` tokens.
"""

import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from napalm import get_network_driver
from napalm.base import NetworkDriver
from napalm.base.exceptions import ModuleImportError

from netops.errors import NetopsError
from netops.push.support import NOT_PUSHED
from netops.render.secrets import SecretError, substitute, token


class PushError(NetopsError):
    """A device push that failed, with the host and the stage it failed in."""

    def __init__(self, host: str, stage: str, detail: str) -> None:
        self.host = host
        self.stage = stage
        self.detail = detail
        super().__init__(f"{host}: {stage} failed: {detail}")


class ConfirmError(PushError):
    """A commit that was not confirmed: the device is back on its previous config, or its timer takes it back."""

    def __init__(self, host: str, reason: str, *, by_timer: bool, rollback_error: str = "") -> None:
        super().__init__(host, "confirm", reason)
        self.by_timer = by_timer
        self.rollback_error = rollback_error
        if by_timer:
            outcome = "rolled back by its revert timer"
        elif rollback_error:
            outcome = f"the rollback failed ({rollback_error}), so its revert timer rolls it back"
        else:
            outcome = "rolled back"
        self.args = (f"{host}: the commit was not confirmed ({reason}); the device is back on its previous config "
                     f"({outcome})",)


@dataclass(frozen=True)
class Target:
    """How to reach one device: NAPALM driver name, address, credentials, driver options."""

    driver: str
    hostname: str
    username: str
    password: str = field(default="", repr=False)
    optional_args: Mapping[str, Any] = field(default_factory=dict)
    timeout: int = 60

    @property
    def port(self) -> int:
        """The management (SSH) port the driver logs in on."""
        return int(self.optional_args.get("port", 22))


@dataclass
class PushResult:
    """What a push did: the diff (secrets masked), whether it changed or would change the device."""

    changed: bool
    diff: str
    committed: bool = False
    pending: bool = False
    backup: str | None = None


def mask(text: str, values: Mapping[str, str]) -> str:
    """The text with every secret value replaced by its token (longest values first)."""
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        if value:
            text = text.replace(value, token(name))
    return text


@contextmanager
def connect(target: Target) -> Iterator[NetworkDriver]:
    """An open NAPALM connection to the target, closed afterwards."""
    try:
        driver_class = get_network_driver(target.driver)
        device = driver_class(target.hostname, target.username, target.password, timeout=target.timeout,
                              optional_args=dict(target.optional_args))
        device.open()
    except Exception as error:
        raise PushError(target.hostname, "connect", str(error)) from error
    try:
        yield device
    finally:
        device.close()


def push_config(target: Target, config: str, secrets: Mapping[str, str] | None = None, *, replace: bool = True,
                check: bool = True, revert_in: int | None = None, confirm: bool = False,
                backup_path: Path | None = None, answer_within: float = 20) -> PushResult:
    """Diff and (unless check, or nothing to change) commit a config; the previous running config is backed up
    before any change.

    `confirm` (with `revert_in`) confirms the commit only once the management port answers within
    `answer_within` seconds and a second, fresh login reads the device's facts; otherwise the commit is rolled
    back and `ConfirmError` raised (a change that cuts the management path is rolled back by the device's
    timer when the explicit rollback cannot reach it). A driver of netops.push.support.NOT_PUSHED is refused
    before any connection, check mode included (its diff would not be the truth).
    """
    if target.driver in NOT_PUSHED:
        raise PushError(target.hostname, "driver", NOT_PUSHED[target.driver])
    values = dict(secrets or {})
    try:
        text = substitute(config, values)
    except SecretError as error:
        raise PushError(target.hostname, "secrets", f"secret {error.name!r}: {error.reason}") from error
    with connect(target) as device:
        stage = "load"
        try:
            if replace:
                device.load_replace_candidate(config=text)
            else:
                device.load_merge_candidate(config=text)
            stage = "diff"
            diff = mask(device.compare_config(), values)
            if check or not diff:
                device.discard_config()
                return PushResult(changed=bool(diff), diff=diff)
            stage = "backup"
            backup = None
            if backup_path is not None:
                running = device.get_config(retrieve="running")["running"]
                write_private(backup_path, mask(running, values))
                backup = str(backup_path)
            stage = "commit"
            device.commit_config(revert_in=revert_in)
        except Exception as error:
            _discard(device)
            if isinstance(error, PushError):
                raise
            raise PushError(target.hostname, stage, f"{type(error).__name__}: {error}") from error
        pending = revert_in is not None
    if pending and confirm:
        confirm_after_check(target, answer_within)
        pending = False
    return PushResult(changed=True, diff=diff, committed=True, pending=pending, backup=backup)


def _discard(device: NetworkDriver) -> None:
    try:
        device.discard_config()
    except Exception:  # the original error is the one worth reporting
        return


def confirm_commit(target: Target) -> bool:
    """Confirm a pending commit over a new connection; whether one was pending."""
    with connect(target) as device:
        try:
            if not device.has_pending_commit():
                return False
            device.confirm_commit()
        except Exception as error:
            raise PushError(target.hostname, "confirm", f"{type(error).__name__}: {error}") from error
    return True


def wait_for_port(host: str, port: int, seconds: float) -> None:
    """Wait until a TCP connection to host:port is accepted; OSError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection((host, port), timeout=max(0.1, min(2.0, deadline - time.monotonic()))).close()
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def confirm_after_check(target: Target, answer_within: float = 20) -> None:
    """Confirm a pending commit once the device proves its management path (the port answers, a fresh login
    reads the facts); otherwise roll it back and raise `ConfirmError`."""
    try:
        wait_for_port(target.hostname, target.port, answer_within)
    except OSError as error:
        _roll_back_unconfirmed(target, f"port {target.port} did not answer within {answer_within:g} s: {error}")
    pending = False
    try:
        with connect(target) as device:
            stage = "get_facts"
            try:
                device.get_facts()
                stage = "confirm"
                pending = device.has_pending_commit()
                if pending:
                    device.confirm_commit()
            except Exception as error:
                raise PushError(target.hostname, stage, f"{type(error).__name__}: {error}") from error
    except PushError as error:
        _roll_back_unconfirmed(target, str(error))
    if not pending:
        raise ConfirmError(target.hostname, "no commit awaited confirmation any more: the revert timer fired first",
                           by_timer=True)


def _roll_back_unconfirmed(target: Target, reason: str) -> None:
    try:
        rollback(target)
    except PushError as error:
        raise ConfirmError(target.hostname, reason, by_timer=False, rollback_error=error.detail) from error
    raise ConfirmError(target.hostname, reason, by_timer=False)


def rollback(target: Target) -> None:
    """Roll the device back to the config before its last commit."""
    with connect(target) as device:
        try:
            device.rollback()
        except Exception as error:
            raise PushError(target.hostname, "rollback", f"{type(error).__name__}: {error}") from error


#: Getters a playbook may ask for, each called without arguments.
GETTERS = ("get_facts", "get_interfaces", "get_interfaces_ip", "get_interfaces_counters", "get_bgp_neighbors",
           "get_bgp_neighbors_detail", "get_arp_table", "get_ipv6_neighbors_table", "get_lldp_neighbors",
           "get_lldp_neighbors_detail", "get_ntp_servers", "get_ntp_peers", "get_ntp_stats", "get_snmp_information",
           "get_users", "get_environment", "get_network_instances", "get_config")


def run_getters(target: Target, getters: list[str]) -> dict[str, Any]:
    """The results of NAPALM getters, by getter name (`facts` for get_facts, as napalm-ansible names them)."""
    unknown = [name for name in getters if name not in GETTERS]
    if unknown:
        raise PushError(target.hostname, "getters", f"unknown getters {unknown} (known: {', '.join(GETTERS)})")
    results: dict[str, Any] = {}
    with connect(target) as device:
        for name in getters:
            getter: Callable[[], Any] = getattr(device, name)
            try:
                results[name.removeprefix("get_")] = getter()
            except Exception as error:
                raise PushError(target.hostname, name, f"{type(error).__name__}: {error}") from error
    return results


def validate(target: Target, spec: list[dict[str, Any]]) -> dict[str, Any]:
    """NAPALM's compliance_report of the device against a validation spec (a list of {getter: expected})."""
    with connect(target) as device:
        try:
            report: dict[str, Any] = device.compliance_report(validation_source=spec)
        except Exception as error:
            raise PushError(target.hostname, "validate", f"{type(error).__name__}: {error}") from error
    return report


def preload(drivers: Iterable[str]) -> None:
    """Import NAPALM and the named drivers that are installed (a missing one is reported when a task uses it).

    Ansible forks a worker per host and task: imported once in the controller process, NAPALM (half a second
    of CPU to import) is already there in every worker that pushes, reads or validates a device.
    """
    for name in sorted(set(drivers)):
        try:
            get_network_driver(name)
        except ModuleImportError:
            continue


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (backups are configs), through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    temporary.replace(path)
