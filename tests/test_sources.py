"""Both sources keep the Source contract: a Resolution, or InputError, or SourceUnavailableError with its exit code.

The NetBox source on a real NetBox holding the sample city is tests/netbox/test_sources.py (marker ``netbox``);
here NetBox is absent: not configured (the user's setting, exit code 2) or not listening (a service, exit code 3).
"""

import socket
from pathlib import Path

import pytest

from netops.errors import EXIT_BAD_INPUT, EXIT_UNREACHABLE, InputError
from netops.pipeline import load_network
from netops.sources import IntentSource, NetBoxSource, Source, SourceName, SourceUnavailableError, source_of
from tests.conftest import REPO, TESTS, materialize_overlay

CITY = REPO / "inventory" / "city"


@pytest.fixture
def no_netbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No NetBox in the environment, and an embedded server that was never started."""
    for name in ("NETBOX_URL", "NETBOX_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETOPS_NETBOX_HOME", str(tmp_path / "netbox"))


@pytest.mark.parametrize(("name", "kind"), [("intent", IntentSource), ("netbox", NetBoxSource),
                                            (SourceName.NETBOX, NetBoxSource)])
def test_source_of_picks_the_named_source(name: str, kind: type[Source]) -> None:
    chosen = source_of(name, CITY)
    assert isinstance(chosen, kind) and chosen.name == SourceName(name)


def test_source_of_refuses_an_unknown_name() -> None:
    with pytest.raises(ValueError, match="'git' is not a valid SourceName"):
        source_of("git", CITY)


def test_intent_source_is_the_pipeline() -> None:
    assert source_of(SourceName.INTENT, CITY).load() == load_network(CITY)


def test_intent_source_raises_the_input_problems(tmp_path: Path) -> None:
    intent = materialize_overlay(TESTS / "intent" / "cases" / "base",
                                 TESTS / "intent" / "cases" / "invalid" / "duplicate-device-name", tmp_path)
    with pytest.raises(InputError) as raised:
        source_of(SourceName.INTENT, intent).load()
    assert [p.message for p in raised.value.problems] == ["duplicate device name"]


@pytest.mark.usefixtures("no_netbox")
def test_netbox_not_configured_is_bad_input() -> None:
    with pytest.raises(SourceUnavailableError) as raised:
        source_of(SourceName.NETBOX, CITY).load()
    error = raised.value
    assert error.exit_code == EXIT_BAD_INPUT
    assert str(error).startswith("--source netbox is not available: no NetBox to talk to")


@pytest.mark.usefixtures("no_netbox")
def test_netbox_not_listening_is_a_service_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("NETBOX_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("NETBOX_TOKEN", "0123456789abcdef0123456789abcdef01234567")
    with pytest.raises(SourceUnavailableError) as raised:
        source_of(SourceName.NETBOX, CITY).load()
    error = raised.value
    assert error.exit_code == EXIT_UNREACHABLE
    assert "NetBox is not reachable" in error.reason
