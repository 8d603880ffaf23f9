"""The netops command line, run as a user runs it: a subprocess, exit codes, stdout and stderr."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, TESTS

SAMPLE = REPO / "inventory" / "city"
INVALID = TESTS / "intent" / "cases" / "invalid"


def netops(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def test_validate_sample_city() -> None:
    result = netops("validate")
    assert result.returncode == 0, result.stderr
    assert "valid: Thành phố Hà Nội (AS65010)" in result.stdout
    # The 2025 sample: the data center and 4 city-level sites, 3 hubs and 17 sites in 9 units (communes/*.yml);
    # 3 + 4 + 6 aggregation + 17 access routers. The units file lists all 126 units of the city.
    assert "3 areas, 9 units, 25 sites, 31 devices" in result.stdout


def test_validate_json() -> None:
    result = netops("validate", "--json")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["valid"] is True and document["counts"]["sites"] == 25


def test_invalid_intent_exits_2_with_every_error(tmp_path: Path) -> None:
    from tests.conftest import materialize_overlay

    intent = materialize_overlay(TESTS / "intent" / "cases" / "base", INVALID / "several-errors-at-once", tmp_path)
    result = netops("validate", "--intent", str(intent))
    assert result.returncode == 2
    assert result.stderr.count("error: ") == 2
    assert "001-ba-dinh.yml:15: sites[ubnd-quan-ba-dinh].lans[staff].hosts: LAN too small" in result.stderr
    assert result.stderr.rstrip().endswith("nothing was written")
    as_json = netops("validate", "--json", "--intent", str(intent))
    assert as_json.returncode == 2
    errors = json.loads(as_json.stdout)["errors"]
    assert {e["line"] for e in errors} == {15, 22} and all(e["file"].endswith("001-ba-dinh.yml") for e in errors)


def test_validate_refuses_more_route_reflector_clients_than_the_listen_limit(tmp_path: Path) -> None:
    """The design check: a city with more client routers than the cores accept is bad input (the sample city has
    29 besides its two cores), located at the setting; without a settings file, at the first router over."""
    settings = tmp_path / "settings.yml"
    settings.write_text("ospf_timers: fast\nbgp_listen_limit: 27\n", encoding="utf-8")
    result = netops("validate", "--settings", str(settings))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{settings}:2: settings.bgp_listen_limit: more route-reflector clients than the cores accept" \
        in result.stderr
    assert "found:    29 client routers" in result.stderr and result.stderr.rstrip().endswith("nothing was written")
    settings.write_text("bgp_listen_limit: 28\n", encoding="utf-8")
    assert netops("validate", "--settings", str(settings)).returncode == 0


def test_missing_intent_folder() -> None:
    result = netops("validate", "--intent", "/nonexistent/city")
    assert result.returncode == 2
    assert "no city file" in result.stderr and "hint:" in result.stderr


def test_bad_usage_exits_2() -> None:
    assert netops("show", "routers").returncode == 2
    assert netops("generate-city").returncode == 2  # --out is required


@pytest.mark.parametrize(
    ("args", "check"),
    [
        # In the 2025 sample a district selector names an area: Cụm Ba Đình holds its hub and the 6 sites of
        # Phường Ba Đình, Ngọc Hà, Giảng Võ and Hồng Hà (areas/001-ba-dinh.yml, communes/).
        (["sites", "--district", "001"], lambda rows: len(rows) == 7 and {r["area"] for r in rows} == {"001"}),
        (["sites", "--district", "dong-anh", "--kind", "ward_committee"],
         lambda rows: len(rows) == 3 and all(r["kind"] == "ward_committee" for r in rows)),
        # No site of the sample has rollout evidence (docs/lifecycle.md): all 25 are planned.
        (["sites", "--status", "planned"], lambda rows: len(rows) == 25),
        (["devices", "--role", "aggregation"], lambda rows: len(rows) == 6),
        (["devices", "--role", "core", "--platform", "frr"],
         lambda rows: [r["name"] for r in rows] == ["dc-core-01", "dc-core-02"]),
        (["links", "--role", "backbone"], lambda rows: len(rows) == 12 and all(r["ospf_area"] == 0 for r in rows)),
        # Đông Anh's access links: 2 uplinks of UBND xã Đông Anh and of UBND xã Thiên Lộc, 1 of each of 4 others.
        (["links", "--district", "017", "--role", "access"],
         lambda rows: all(r["ospf_area"] == 17 for r in rows) and len(rows) == 8),
        (["lans", "--role", "camera"], lambda rows: all(r["vlan"] == 30 for r in rows) and len(rows) == 12),
        (["prefixes", "--kind", "pool"], lambda rows: len(rows) == 7),
        (["services"], lambda rows: {r["name"] for r in rows} >= {"email", "one-stop-shop", "population-db"}),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else "",
)
def test_show_filters(args: list[str], check) -> None:  # type: ignore[no-untyped-def]
    result = netops("show", *args, "--json")
    assert result.returncode == 0, result.stderr
    assert check(json.loads(result.stdout))


def test_show_table_text() -> None:
    result = netops("show", "devices", "--district", "ba-dinh")
    assert result.returncode == 0
    assert "ba-dinh-agg-01" in result.stdout and "dc-core-01" not in result.stdout


def test_export_writes_once_and_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "network.json"
    first = netops("export", "--format", "json", "--out", str(target))
    assert first.returncode == 0 and "written" in first.stderr
    document = json.loads(target.read_text())
    assert document["city"]["asn"] == 65010 and len(document["devices"]) == 31
    second = netops("export", "--format", "json", "--out", str(target))
    assert "unchanged" in second.stderr


def test_export_of_invalid_intent_writes_nothing(tmp_path: Path) -> None:
    from tests.conftest import materialize_overlay

    intent = materialize_overlay(TESTS / "intent" / "cases" / "base", INVALID / "vlan-conflict", tmp_path)
    target = tmp_path / "out" / "network.yml"
    result = netops("export", "--intent", str(intent), "--out", str(target))
    assert result.returncode == 2
    assert not target.exists() and not target.parent.exists()


def test_export_yaml_matches_the_resolution_golden() -> None:
    result = netops("export")
    assert result.returncode == 0
    golden = TESTS / "resolve" / "cases" / "hanoi-sample" / "expected.yml"
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_generate_city_is_deterministic_and_idempotent(tmp_path: Path) -> None:
    out = tmp_path / "city"
    first = netops("generate-city", "--out", str(out), "--districts", "3", "--wards-per-district", "4", "--seed", "5")
    assert first.returncode == 0, first.stderr
    files = {p.relative_to(out): p.read_text() for p in out.rglob("*.yml")}
    assert len(files) == 4
    second = netops("generate-city", "--out", str(out), "--districts", "3", "--wards-per-district", "4", "--seed", "5")
    assert "0 written, 4 unchanged" in second.stderr
    assert {p.relative_to(out): p.read_text() for p in out.rglob("*.yml")} == files
    smaller = netops("generate-city", "--out", str(out), "--districts", "2", "--wards-per-district", "4", "--seed", "5")
    assert "1 stale removed" in smaller.stderr
    assert len(list((out / "districts").glob("*.yml"))) == 2
    validated = netops("validate", "--intent", str(out), "--json")
    assert validated.returncode == 0, validated.stdout
    other = tmp_path / "other"
    netops("generate-city", "--out", str(other), "--districts", "2", "--wards-per-district", "4", "--seed", "6")
    assert (other / "districts" / "001-quan-ba-dinh.yml").read_text() != (out / "districts" /
                                                                          "001-quan-ba-dinh.yml").read_text()


def test_generate_city_whole_city_scale(tmp_path: Path) -> None:
    out = tmp_path / "city"
    assert netops("generate-city", "--out", str(out)).returncode == 0
    result = netops("validate", "--intent", str(out), "--json")
    assert result.returncode == 0, result.stdout[-2000:]
    counts = json.loads(result.stdout)["counts"]
    assert counts["districts"] == 30 and counts["wards"] == 540
    assert 1600 <= counts["sites"] <= 1800 and 2300 <= counts["devices"] <= 2600


def test_version() -> None:
    result = netops("--version")
    assert result.returncode == 0 and result.stdout.startswith("netops ")


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    # `netops export | head`: the reader closes the pipe long before the model is written.
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}"}
    process = subprocess.Popen([sys.executable, "-m", "netops", "export"], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100)
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait() == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr



def test_each_command_module_mounts_the_commands_its_entry_names() -> None:
    import importlib

    import typer

    from netops.cli import COMMAND_MODULES

    for name, commands in COMMAND_MODULES.items():
        mounted = typer.Typer()
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if register is not None:
            register(mounted)
            found = [info.name for info in (*mounted.registered_commands, *mounted.registered_groups)]
        else:
            found = [name.split(".")[1]]
        assert sorted(found) == sorted(commands), name  # type: ignore[type-var]


def test_a_command_imports_only_its_own_module_and_help_lists_every_command() -> None:
    script = ("import sys; from netops.cli import main\n"
              "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              "print(sorted(name for name in sys.modules if name.endswith('cli')))")
    done = subprocess.run([sys.executable, "-c", script, "reorganize", "--help"], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stdout.strip().splitlines()[-1] == "['netops.cli', 'netops.reorganize.cli']", done.stderr
    listed = netops("--help")
    assert listed.returncode == 0, listed.stderr
    for command in ("validate", "plan", "apply", "lab", "netbox", "reorganize", "allocations", "units", "analyze"):
        assert f" {command} " in listed.stdout, command
