"""The NETOPS_NETBOX_* settings: defaults, overrides, and exit 2 for a value that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from netops.devnetbox.errors import SettingsError
from netops.devnetbox.settings import DEFAULT_HTTP_PORT, Settings


def test_the_state_directory_and_ports_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"NETOPS_NETBOX_HOME": str(tmp_path), "NETOPS_NETBOX_PORT": "18999"})

    assert settings.home == tmp_path.resolve()
    assert settings.venv == tmp_path.resolve() / "venv"
    assert settings.url == "http://127.0.0.1:18999"
    assert settings.env_file == tmp_path.resolve() / "netbox.env"


def test_without_settings_the_defaults_apply(tmp_path: Path) -> None:
    assert Settings.from_env({"NETOPS_NETBOX_HOME": str(tmp_path)}).http_port == DEFAULT_HTTP_PORT


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"NETOPS_NETBOX_PG_PORT": "70000"},
         "NETOPS_NETBOX_PG_PORT must be a TCP port number (1-65535), found '70000'"),
        ({"NETOPS_NETBOX_START_TIMEOUT": "soon"},
         "NETOPS_NETBOX_START_TIMEOUT must be a number of seconds, found 'soon'"),
        ({"NETOPS_NETBOX_PORT": "25000", "NETOPS_NETBOX_REDIS_PORT": "25000"},
         "the NetBox, PostgreSQL and Redis ports must differ, found [25000, 54329, 25000]"),
    ],
    ids=["port-out-of-range", "timeout-not-a-number", "ports-clash"],
)
def test_a_bad_setting_is_exit_2_naming_the_variable(environ: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"NETOPS_NETBOX_HOME": str(tmp_path), **environ})

    assert str(raised.value) == message
    assert raised.value.exit_code == 2
