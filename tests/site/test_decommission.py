"""`netops site decommission` on a copy of the sample city, without NetBox or a lab: the intent edits (ledger,
status, release) of sites that were never pushed, the dry runs of every state, and the refusals. One case per
folder of tests/site/decommission-cases (the layout of tests/site/intent_cases.py).

A case with `expected-errors.txt` must exit 2 with that text on stderr and leave every file as it was; any other
must exit 0 with `expected-output.txt` on stdout and change exactly the files under `expected/` (their whole
text; a ledger's time of transition and commit written as `AT` and `COMMIT`). What the command does to a site
whose routers run (the push, the wipe, the verification, NetBox) is tested on the lab in
tests/rollout/test_rollout_lab.py.
"""

import re
from pathlib import Path

import pytest

from netops.pipeline import load_network
from tests.conftest import TESTS, case_folders
from tests.output_tree import netops_in_process
from tests.site.intent_cases import assert_refused, files_of, intent_of, run_case, run_in_copy

CASES = TESTS / "site" / "decommission-cases"
_VOLATILE = re.compile(r"^(\s*)(at|commit): .*$", re.M)


def _stable(name: str, text: str) -> str:
    """A ledger's time and commit as placeholders (they are the run's); every other file as it is."""
    if not name.endswith("ledger.yml"):
        return text
    return _VOLATILE.sub(lambda m: f"{m.group(1)}{m.group(2)}: {m.group(2).upper()}", text)


@pytest.mark.parametrize("case", case_folders(CASES), ids=lambda path: path.name)
def test_site_decommission_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str], golden, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    run = run_in_copy(case, tmp_path, monkeypatch, capsys)
    if case.name.startswith("invalid-"):
        assert_refused(run, case, golden)
        return
    intent, before, code, stdout, stderr = run.intent, run.before, run.code, run.stdout, run.stderr
    assert code == 0, stderr
    golden(case / "expected-output.txt", stdout)
    after = files_of(intent)
    changed = {name: _stable(name, text) for name, text in after.items() if before.get(name) != text}
    for name, text in changed.items():
        golden(case / "expected" / name, text)
    if not request.config.getoption("--update-goldens"):
        expected = files_of(case / "expected") if (case / "expected").is_dir() else {}
        assert sorted(changed) == sorted(expected), "the files written differ from the case's expected/"
    assert set(before) <= set(after), "a file was deleted"
    if "--dry-run" in (case / "args").read_text():
        assert not changed
        return
    # What was written validates, and running the same command again changes nothing more: refused as done.
    load_network(intent)
    code, _, stderr = run_case(capsys, case)
    assert code == 2, stderr
    assert files_of(intent) == after


def test_the_decommissioned_site_keeps_its_allocations_until_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES / "planned-recorded"
    intent = intent_of(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run_case(capsys, case)[0] == 0
    network = load_network(intent)
    assert network.network.site_by_slug["ubnd-phuong-kim-ma"].status.value == "decommissioned"
    assert "ubnd-phuong-kim-ma" not in network.running.site_by_slug
    # The record still holds the site's key and hub port: `allocations update` has nothing to add or drop.
    checked = netops_in_process(capsys, "allocations", "update", "--check", "--intent", "intent")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ubnd-phuong-kim-ma:" in (intent / "allocations.yml").read_text(encoding="utf-8")
    released = netops_in_process(capsys, "site", "decommission", "ubnd-phuong-kim-ma", "--release",
                                 "--yes", "--intent", "intent")
    assert released.returncode == 0, released.stderr
    assert "ubnd-phuong-kim-ma:" not in (intent / "allocations.yml").read_text(encoding="utf-8")
    assert "ubnd-phuong-kim-ma" not in load_network(intent).network.site_by_slug
    assert (intent / "rollout" / "ubnd-phuong-kim-ma" / "ledger.yml").is_file(), "the ledger is history"
