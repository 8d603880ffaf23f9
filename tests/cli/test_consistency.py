"""The options every command shares mean one thing everywhere, as a user runs them (issue 20).

- Every command takes --json and then prints one JSON document on stdout, its errors too.
- The scoping options (--unit, --site, --device) are repeatable and select the same devices in every command.
- Every command that reads the model takes --source, and NETOPS_SOURCE stands in for it.
- Output folders and files are --out; --limit is only Ansible's, kept hidden on verify as the former --device.
- Destructive steps take --yes (tests/cli/test_confirm.py runs their prompts).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from netops.cli import app
from tests.conftest import REPO

SLUG = "ubnd-xa-co-loa"
#: Xã Đông Anh (00454) of the sample city: four sites, a router each.
UNIT = ("xa-dong-anh", ["dang-uy-xa-co-loa-r01", "ubnd-thi-tran-dong-anh-r01", "ubnd-xa-co-loa-r01",
                        "ubnd-xa-uy-no-r01"])


def _commands() -> Iterator[tuple[str, Any]]:
    def walk(command: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, f"{prefix} {name}".strip())
        else:
            yield prefix, command

    yield from walk(typer.main.get_command(app), "")


COMMANDS = dict(_commands())


def _option(command: Any, name: str) -> Any:
    """The command's option of that name, or None (typer's own copy of click: no isinstance checks here)."""
    return next((p for p in command.params if name in p.opts), None)


def test_every_command_takes_json() -> None:
    assert sorted(name for name, command in COMMANDS.items() if _option(command, "--json") is None) == []


def test_source_is_one_option_with_its_environment_variable() -> None:
    sources = {name: _option(command, "--source") for name, command in COMMANDS.items()}
    assert {name for name, option in sources.items() if option is not None} >= {
        "validate", "show", "export", "query", "report", "render", "compliance", "verify", "lab up", "lab check",
        "site show", "monitoring export", "analyze rollout", "analyze policy"}
    assert {option.envvar for option in sources.values() if option is not None} == {"NETOPS_SOURCE"}


def test_scoping_options_are_repeatable_everywhere() -> None:
    seen = 0
    for name, command in COMMANDS.items():
        for flag in ("--unit", "--site", "--device"):
            option = _option(command, flag)
            if option is not None:
                seen += 1
                assert option.multiple, f"{name} {flag} takes one value"
    assert seen >= 10


def test_limit_is_only_a_hidden_former_spelling() -> None:
    limits = {name: _option(command, "--limit") for name, command in COMMANDS.items()}
    shown = [name for name, option in limits.items() if option is not None and not option.hidden]
    assert [name for name, option in limits.items() if option is not None] == ["verify"]
    assert shown == []


def test_destructive_commands_take_yes() -> None:
    for name in ("apply", "lab down", "netbox reset", "site decommission"):
        option = _option(COMMANDS[name], "--yes")
        assert option is not None and "-y" in option.opts, name


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("NETOPS_", "NETBOX_"))}
    env |= {"PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}", "NETOPS_LAB_HOME": str(tmp_path / "lab"),
            "NETOPS_NETBOX_HOME": str(tmp_path / "netbox"), "NO_COLOR": "1", "COLUMNS": "200", **extra}
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, check=False)


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The configs of Xã Đông Anh's routers, as backups for compliance."""
    folder = tmp_path_factory.mktemp("rendered")
    done = _run(["render", "--unit", UNIT[0], "--workers", "1", "--out", str(folder / "configs"), "--json"],
                folder)
    assert done.returncode == 0, done.stderr
    return folder / "configs"


#: Result commands and the exit codes they may end with here, run with --json ({tmp}: the test's folder).
JSON_COMMANDS = [
    (["validate"], {0}),
    (["show", "sites"], {0}),
    (["export"], {0}),
    (["export", "--out", "{tmp}/model.yml"], {0}),
    (["generate-city", "--districts", "1", "--wards-per-district", "1", "--out", "{tmp}/city"], {0}),
    (["query", "sites", "--unit", UNIT[0]], {0}),
    (["analyze", "redundancy"], {0, 1}),
    (["render", "--device", "dc-core-01", "--workers", "1", "--out", "{tmp}/configs"], {0}),
    (["monitoring", "export", "--site", "ubnd-*", "--out", "{tmp}/monitoring"], {0}),
    (["report", "--out", "{tmp}/report"], {0}),
    (["units", "show"], {0}),
    (["allocations", "show"], {0}),
    (["allocations", "update", "--check"], {0}),
    (["site", "show", SLUG], {0}),
    (["netbox", "status"], {1}),
    (["netbox", "down"], {0}),
    (["lab", "status"], {0}),
    (["lab", "down"], {0}),
    (["render", "--device", "nosuch", "--out", "{tmp}/nothing"], {2}),
    (["compliance", "--unit", "nowhere"], {2}),
    (["report", "--site", "ubnd-*", "--out", "{tmp}/report"], {0}),
    (["plan", "--site", "ubnd-xa-co-lao"], {2}),
    (["apply", "--unit", "nowhere", "--yes"], {2}),
    (["drift", "--area", "nowhere"], {2}),
]


@pytest.mark.parametrize(("args", "codes"), JSON_COMMANDS, ids=lambda value: " ".join(value)
                         if isinstance(value, list) else None)
def test_json_is_one_document_on_stdout(args: list[str], codes: set[int], tmp_path: Path) -> None:
    done = _run([arg.replace("{tmp}", str(tmp_path)) for arg in args] + ["--json"], tmp_path)
    assert done.returncode in codes, done.stdout + done.stderr
    document = _json(done)
    if done.returncode == 2:
        assert document["errors"] and not (tmp_path / "nothing").exists()


def test_json_summaries_say_what_was_written(tmp_path: Path) -> None:
    written = _json(_run(["export", "--out", str(tmp_path / "model.yml"), "--json"], tmp_path))
    assert written["out"] == str(tmp_path / "model.yml") and written["written"] is True
    again = _json(_run(["export", "--out", str(tmp_path / "model.yml"), "--json"], tmp_path))
    assert again["written"] is False and again["sites"] == written["sites"] > 0
    city = _json(_run(["generate-city", "--districts", "1", "--wards-per-district", "2", "--out",
                       str(tmp_path / "city"), "--json"], tmp_path))
    assert city["files"] == len(city["written"]) > 0 and city["unchanged"] == city["removed"] == []
    assert sorted(city["written"]) == sorted(p.relative_to(tmp_path / "city").as_posix()
                                             for p in (tmp_path / "city").rglob("*")
                                             if p.is_file() and p.name != ".netops-manifest.json")


def test_unit_selects_the_same_devices_in_render_and_compliance(rendered: Path, tmp_path: Path) -> None:
    assert sorted(p.stem for p in rendered.rglob("*.cfg")) == UNIT[1]
    done = _run(["compliance", "--unit", UNIT[0], "--backups", str(rendered), "--workers", "1", "--json"],
                tmp_path)
    report = _json(done)
    assert sorted(device["device"] for device in report["devices"]) == UNIT[1], report
    by_site = _run(["compliance", "--site", "ubnd-xa-*", "--device", "dang-uy-xa-co-loa-r01", "--backups",
                    str(rendered), "--workers", "1", "--json"], tmp_path)
    assert sorted(device["device"] for device in _json(by_site)["devices"]) == [
        "dang-uy-xa-co-loa-r01", "ubnd-xa-co-loa-r01", "ubnd-xa-hai-boi-r01", "ubnd-xa-kim-chung-r01",
        "ubnd-xa-uy-no-r01"]


def test_compliance_json_with_out_summarises(rendered: Path, tmp_path: Path) -> None:
    report = tmp_path / "compliance.xml"
    done = _run(["compliance", "--unit", UNIT[0], "--backups", str(rendered), "--workers", "1", "--format",
                 "junit", "--out", str(report), "--json"], tmp_path)
    summary = _json(done)
    assert summary == {"out": str(report), "format": "junit", "written": True, "devices": 4,
                       "compliant": summary["compliant"]}
    assert report.read_text().startswith("<?xml")


#: Commands that read the model, with what each needs besides --source.
READERS = [
    ["validate"], ["show", "sites"], ["export"], ["query", "sites"], ["report", "--out", "{tmp}/report"],
    ["render", "--out", "{tmp}/configs"], ["compliance"], ["analyze", "rollout"], ["analyze", "policy"],
    ["monitoring", "export", "--out", "{tmp}/monitoring"], ["site", "show", SLUG],
]


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_netops_source_reads_netbox_like_the_option(args: list[str], tmp_path: Path) -> None:
    """NETOPS_SOURCE=netbox sends the command to NetBox (here one nothing listens for: exit 3, nothing written),
    and --source intent on the command line wins over it."""
    filled = [arg.replace("{tmp}", str(tmp_path / "out")) for arg in args]
    url = f"http://127.0.0.1:{_closed_port()}"
    done = _run(filled, tmp_path, NETOPS_SOURCE="netbox", NETBOX_URL=url, NETBOX_TOKEN="nbt_unused.unused")
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"NetBox is not reachable: {url}/" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    if args[0] in ("validate", "show", "query", "analyze", "site"):
        intent = _run([*filled, "--source", "intent"], tmp_path, NETOPS_SOURCE="netbox", NETBOX_URL=url,
                      NETBOX_TOKEN="nbt_unused.unused")
        assert intent.returncode in (0, 1), intent.stderr


def test_show_takes_the_same_unit_and_site_as_render(tmp_path: Path) -> None:
    sites = _json(_run(["show", "sites", "--unit", UNIT[0], "--json"], tmp_path))
    devices = _json(_run(["show", "devices", "--unit", UNIT[0], "--json"], tmp_path))
    assert sorted(row["name"] for row in devices) == UNIT[1] and len(sites) == len(UNIT[1])
    globbed = _json(_run(["show", "devices", "--site", "ubnd-xa-*", "--site", "dang-uy-xa-co-loa", "--json"],
                         tmp_path))
    assert sorted(row["site"] for row in globbed) == [
        "dang-uy-xa-co-loa", "ubnd-xa-co-loa", "ubnd-xa-hai-boi", "ubnd-xa-kim-chung", "ubnd-xa-uy-no"]
    unknown = _run(["show", "lans", "--site", "ubnd-xa-co-lao"], tmp_path)
    assert unknown.returncode == 2 and "--site: unknown site" in unknown.stderr
    assert "did you mean ubnd-xa-co-loa" in unknown.stderr
