"""Fetch a device's running config through NAPALM."""

from typing import Any


class FetchError(RuntimeError):
    """The device could not be reached or refused to give its config."""

    def __init__(self, host: str, detail: str) -> None:
        self.host = host
        self.detail = detail
        super().__init__(f"{host}: {detail}")


def fetch_config(driver: str, host: str, username: str, password: str, timeout: int = 30,
                 optional_args: dict[str, Any] | None = None) -> str:
    """`get_config(retrieve="running")["running"]` of the device, through `napalm.get_network_driver(driver)`."""
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
    try:
        configs = device.get_config(retrieve="running")
    except Exception as error:
        raise FetchError(host, f"get_config failed: {error.__class__.__name__}: {error}") from error
    finally:
        device.close()
    running = configs.get("running", "") if isinstance(configs, dict) else ""
    if not isinstance(running, str) or not running.strip():
        raise FetchError(host, "the device returned an empty running config")
    return running
