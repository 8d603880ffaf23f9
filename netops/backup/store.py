"""Config backups kept in git: mask secrets, write one file per device atomically, commit what changed.

Layout (the one `netops render --out` writes, so `netops compliance --backups DIR` reads either):
`DIR/<platform>/<device>.<suffix>`; suffix `cfg` is the running config, FRR may add the host parts
(`nft`, the host daemons' files `snmpd`, `chrony`, `rsyslog`, `sshd`, `banner`, `radius`, and `dhcrelay`) when
the fetch returns them. Secrets are masked with the compliance
baseline's masks of the platform before anything is written, so no secret ever reaches the folder or git.
A run that changes nothing writes nothing and commits nothing.
"""

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from citynet_models.types import Platform
from netops.compliance.baseline import Baseline, load_baselines, masks_for
from netops.compliance.tree import PARTS
from netops.files import write_atomic

_AUTHOR = ("-c", "user.name=netops backup", "-c", "user.email=netops-backup@localhost")


class BackupError(RuntimeError):
    """The backups folder cannot be used (not a git repository we may create, git failed)."""


@dataclass
class BackupResult:
    """What one run did."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    commit: str | None = None
    message: str = ""

    @property
    def touched(self) -> bool:
        """Whether anything was written (and committed)."""
        return bool(self.new or self.changed)


def mask_secrets(text: str, platform: Platform, part: str = "cfg", baseline: Baseline | None = None) -> str:
    """The config with every secret value replaced by `<secret>` (the compliance masks of the platform).

    Only `secret` masks are applied here: volatile lines are kept, a backup is what the device had.
    """
    baseline = baseline or load_baselines()[platform]
    masks = masks_for(baseline, part)
    secret_only = type(masks)(tuple((pattern, mask) for pattern, mask in masks.masks if mask.kind == "secret"))
    masked = secret_only.apply(text)
    return masked if masked.endswith("\n") else masked + "\n"


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *_AUTHOR, *args], cwd=folder, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as error:
        raise BackupError(f"git {' '.join(args)} failed in {folder}: {error.stderr.strip()}") from error
    return done.stdout


def ensure_repository(folder: Path) -> None:
    """Make the folder a git repository of its own unless it is already inside one."""
    folder.mkdir(parents=True, exist_ok=True)
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=folder, capture_output=True,
                            text=True)
    if inside.returncode != 0:
        _git(folder, "init", "--quiet")


def commit_message(result: BackupResult) -> str:
    """`backup: 2 changed, 1 new (a, b; c)` plus one line per device."""
    head = ", ".join(f"{len(names)} {label}" for label, names in (("changed", result.changed), ("new", result.new))
                     if names)
    lines = [f"backup: {head}"]
    lines += [""] + [f"changed: {name}" for name in result.changed] + [f"new: {name}" for name in result.new]
    return "\n".join(lines) + "\n"


def write_backups(folder: Path, configs: Mapping[str, Mapping[str, str]], platforms: Mapping[str, Platform],
                  commit: bool = True, prune: bool = False) -> BackupResult:
    """Mask and write every device's parts (device -> {part: text}); commit the changed files in one commit.

    `prune`: the given parts are all the device has now, so an older backup's other parts are removed (a
    stale part would otherwise be compared as if the device still ran it).
    """
    result = BackupResult()
    baselines = load_baselines()
    if commit:
        ensure_repository(folder)
    written: list[str] = []
    for device in sorted(configs):
        platform = platforms[device]
        existed = any((folder / platform.value / f"{device}.{part}").exists() for part in configs[device])
        changed = False
        for part, text in sorted(configs[device].items()):
            relative = f"{platform.value}/{device}.{part}"
            if write_atomic(folder / relative, mask_secrets(text, platform, part, baselines[platform])):
                changed = True
                written.append(relative)
        for part in PARTS[platform] if prune else ():
            stale = folder / platform.value / f"{device}.{part}"
            if part not in configs[device] and stale.exists():
                stale.unlink()
                changed = True
                written.append(f"{platform.value}/{device}.{part}")
        (result.unchanged if not changed else result.changed if existed else result.new).append(device)
    if commit and written:
        _git(folder, "add", "--all", "--", *written)
        staged = _git(folder, "diff", "--cached", "--name-only", "--", *written).split()
        if staged:
            result.message = commit_message(result)
            _git(folder, "commit", "--quiet", "-m", result.message, "--", *written)
            result.commit = _git(folder, "rev-parse", "HEAD").strip()
    return result


def commit_pending(folder: Path) -> BackupResult:
    """Commit every backup file changed since the last commit (one commit for a whole run of the playbook)."""
    ensure_repository(folder)
    status = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", ".")
    result = BackupResult()
    paths = []
    for line in status.splitlines():
        state, path = line[:2], line[3:]
        name = Path(path).name
        device = name.split(".", 1)[0]
        paths.append(path)
        target = result.new if "?" in state or "A" in state else result.changed
        if device not in target:
            target.append(device)
    if not paths:
        return result
    result.new.sort()
    result.changed.sort()
    _git(folder, "add", "--all", "--", ".")
    result.message = commit_message(result)
    _git(folder, "commit", "--quiet", "-m", result.message)
    result.commit = _git(folder, "rev-parse", "HEAD").strip()
    return result
