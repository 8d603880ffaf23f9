"""Fetch a device's running config through NAPALM, as the parts `netops render` names (`cfg`, FRR's host parts)."""

from typing import Any

#: Drivers whose `get_config(full=True)` returns the whole box: the device config, then each host part the
#: device lets the login user read, after a line `<marker><suffix>` (napalm_frr.driver.PART_MARKER).
WHOLE_BOX_DRIVERS = frozenset({"frr"})


class FetchError(RuntimeError):
    """The device could not be reached or refused to give its config."""

    def __init__(self, host: str, detail: str) -> None:
        self.host = host
        self.detail = detail
        super().__init__(f"{host}: {detail}")


def split_parts(text: str, marker: str) -> dict[str, str]:
    """{"cfg": the device config, suffix: host part, ...} of a `get_config(full=True)` text."""
    parts: dict[str, list[str]] = {"cfg": []}
    current = parts["cfg"]
    for line in text.splitlines(keepends=True):
        if line.startswith(marker):
            current = parts.setdefault(line[len(marker):].strip(), [])
            continue
        current.append(line)
    return {part: "".join(lines) for part, lines in parts.items()}


def fetch_config(driver: str, host: str, username: str, password: str, timeout: int = 30,
                 optional_args: dict[str, Any] | None = None) -> dict[str, str]:
    """The device's running config by part, through `napalm.get_network_driver(driver)`.

    `cfg` is `get_config(retrieve="running")["running"]`; for FRR (`get_config(full=True)`) also the host
    parts the device lets the login user read (`nft`, the host daemons' files of netops.hostfiles, `dhcrelay`).
    """
    import napalm  # imported here: reading backups never needs it

    try:
        network_driver = napalm.get_network_driver(driver)
    except Exception as error:  # napalm raises ModuleImportError (a plain Exception) for unknown drivers
        raise FetchError(host, f"no NAPALM driver {driver!r}: {error}") from error
    device = network_driver(hostname=host, username=username, password=password, timeout=timeout,
                            optional_args=optional_args or {})
    try:
        device.open()
    except Exception as error:
        raise FetchError(host, f"cannot connect: {error.__class__.__name__}: {error}") from error
    whole_box = driver in WHOLE_BOX_DRIVERS
    try:
        configs = device.get_config(retrieve="running", full=whole_box)
    except Exception as error:
        raise FetchError(host, f"get_config failed: {error.__class__.__name__}: {error}") from error
    finally:
        device.close()
    running = configs.get("running", "") if isinstance(configs, dict) else ""
    if not isinstance(running, str) or not running.strip():
        raise FetchError(host, "the device returned an empty running config")
    if not whole_box:
        return {"cfg": running}
    from napalm_frr.driver import PART_MARKER

    parts = split_parts(running, PART_MARKER)
    if not parts["cfg"].strip():
        raise FetchError(host, "the device returned an empty running config")
    return parts
