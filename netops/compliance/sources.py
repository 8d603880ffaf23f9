"""Where the intended and the actual configs come from.

- intended: rendered in memory by the render engine from the validated model (nothing written);
- actual, `backups`: a folder laid out like `netops render --out` and `playbooks/backup.yml` write it,
  `<platform>/<device>.<suffix>` (suffix `cfg`; FRR also `nft`, its host files of netops.hostfiles and
  `dhcrelay`), no device access;
- actual, `running`: fetched now through NAPALM (`get_config(retrieve="running")`), which needs the
  device's NAPALM driver (FRR: the project's napalm_frr).
"""

import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from citynet_models.types import Platform
from netops.compliance.engine import ActualPart
from netops.compliance.tree import PARTS, ConfigError
from netops.design import Design
from netops.errors import NetopsError
from netops.render.engine import Job, RenderFailure, render_devices

#: NAPALM driver of each platform (the Ansible inventory's netops_napalm_driver says the same).
NAPALM_DRIVERS = {Platform.FRR: "frr", Platform.CISCO_IOSXE: "ios", Platform.HUAWEI_VRP: "huawei_vrp"}
#: The Python module NAPALM loads for a driver name that is not one of its own, and what installs it.
_DRIVER_MODULES = {"frr": "napalm_frr", "huawei_vrp": "napalm_huawei_vrp"}
_DRIVER_INSTALLS = {"napalm_frr": "pip install napalm-frr (./napalm-frr in the repository, or dist/)",
                    "napalm_huawei_vrp": "pip install 'city-netops[vrp]' (napalm-huawei-vrp)"}


class SourceError(NetopsError):
    """The actual configs cannot be had from this source (exit 2)."""

    def __init__(self, message: str, hint: str) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


@dataclass(frozen=True)
class Intended:
    """The rendered files of the selected devices, by device and part."""

    configs: dict[str, dict[str, str]]
    platforms: dict[str, Platform]
    failures: list[RenderFailure]
    gaps: list[str]


def render_intended(design: Design, names: Iterable[str], workers: int | None = None,
                    as_platform: Platform | None = None) -> Intended:
    """Render the devices in memory with the project's render engine, from the run's design (`as_platform`: as
    `netops render`)."""
    outcome = render_devices(Job(design=design, template_dirs=(), as_platform=as_platform), names, workers)
    return Intended(
        configs={r.device: dict(r.files) for r in outcome.rendered},
        platforms={r.device: r.platform for r in outcome.rendered},
        failures=outcome.failures,
        gaps=[f"{g.device}: {g.platform.value} cannot render {g.feature}" for g in outcome.gaps],
    )


def model_values(design: Design) -> dict[str, tuple[str, ...]]:
    """What baseline patterns' placeholders stand for: the addresses of the service hosts of the run's design."""
    management = design.management
    return {
        "ntp": tuple(str(h.address) for h in management.ntp_servers),
        "syslog": tuple(str(h.address) for h in management.syslog_servers),
        "monitoring": tuple(str(h.address) for h in management.snmp_managers),
        "aaa": tuple(str(h.address) for h in management.aaa_servers),
    }


def read_backups(folder: Path, devices: Mapping[str, Platform]) -> dict[str, dict[str, ActualPart]]:
    """Every part of every device found in the backups folder (a device with none is left out)."""
    if not folder.is_dir():
        raise SourceError(f"backups folder {folder} does not exist",
                          "run playbooks/backup.yml first, or give the folder with --backups DIR")
    found: dict[str, dict[str, ActualPart]] = {}
    for device, platform in devices.items():
        for part in PARTS[platform]:
            path = folder / platform.value / f"{device}.{part}"
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as error:
                raise ConfigError(str(path), 1, f"cannot read: {error.strerror}", "check the file's permissions") \
                    from error
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                raise ConfigError(str(path), line, f"not UTF-8 text (undecodable byte at offset {error.start})",
                                  "the backup is corrupt or binary: fetch it again") from error
            found.setdefault(device, {})[part] = ActualPart(text, str(path))
    return found


def napalm_available(platforms: Iterable[Platform]) -> None:
    """Raise SourceError unless NAPALM and the drivers of these platforms can be imported."""
    if importlib.util.find_spec("napalm") is None:
        raise SourceError("--actual running needs NAPALM, which is not installed",
                          "pip install napalm (it is a dependency of city-netops), or use --actual backups")
    for platform in sorted(set(platforms)):
        module = _DRIVER_MODULES.get(NAPALM_DRIVERS[platform])
        if module is not None and importlib.util.find_spec(module) is None:
            raise SourceError(f"--actual running needs the NAPALM driver of {platform.value} ({module}), "
                              "which is not installed",
                              f"{_DRIVER_INSTALLS[module]}, or use --actual backups (playbooks/backup.yml "
                              "fills the folder)")


def fetch_running(hosts: Mapping[str, tuple[Platform, str]], username: str, password: str,
                  timeout: int = 30) -> dict[str, dict[str, ActualPart]]:
    """The running config of each device (name -> (platform, address)) through NAPALM."""
    napalm_available(platform for platform, _address in hosts.values())
    from netops.backup.fetch import fetch_config

    found: dict[str, dict[str, ActualPart]] = {}
    for name, (platform, address) in hosts.items():
        parts = fetch_config(NAPALM_DRIVERS[platform], address, username, password, timeout)
        found[name] = {part: ActualPart(text, f"<running {name}.{part}>") for part, text in parts.items()}
    return found
