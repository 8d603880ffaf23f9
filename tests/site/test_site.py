"""`netops site add` and `netops site show` on a copy of the sample city (inventory/city), one case per folder.

A case folder holds `args` (the command line after `netops`; `--intent intent` is added), optionally `base` (another
intent to start from, relative to tests/), `city-append.yml` (text appended to city.yml, e.g. `site_templates:`)
and files under `intent/` laid over the copy. A case with `expected-errors.txt` must exit 2 with that text on
stderr and leave every file as it was; any other must exit 0 with `expected-output.txt` on stdout, and change
exactly the files under `expected/` (their whole text).
"""

import difflib
import json
import shutil
from pathlib import Path

import pytest

from netops.pipeline import load_network
from tests.conftest import REPO, TESTS, case_folders
from tests.output_tree import netops_in_process
from tests.site.intent_cases import SAMPLE, assert_refused, files_of, run_case, run_in_copy

CASES = TESTS / "site" / "cases"


def _added_lines(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails if it removes or changes any."""
    added: list[str] = []
    for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)):
        assert not line.startswith("- "), f"a line of the file changed: {line!r}"
        if line.startswith("+ "):
            added.append(line[2:])
    return added


@pytest.mark.parametrize("case", case_folders(CASES), ids=lambda path: path.name)
def test_site_add_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str], golden, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    run = run_in_copy(case, tmp_path, monkeypatch, capsys)
    if (case / "expected-errors.txt").is_file() or case.name.startswith("invalid-"):
        assert_refused(run, case, golden)
        return
    intent, before, code, stdout, stderr = run.intent, run.before, run.code, run.stdout, run.stderr
    assert code == 0, stderr
    golden(case / "expected-output.txt", stdout)
    after = files_of(intent)
    changed = {name: text for name, text in after.items() if before.get(name) != text}
    for name, text in changed.items():
        golden(case / "expected" / name, text)
    if not request.config.getoption("--update-goldens"):
        expected = files_of(case / "expected") if (case / "expected").is_dir() else {}
        assert sorted(changed) == sorted(expected), "the files written differ from the case's expected/"
    if "--dry-run" in (case / "args").read_text():
        assert not changed
        return
    # The record gains the site's line and nothing else moves; the unit's file gains the site's lines only.
    added = _added_lines(before["allocations.yml"], after["allocations.yml"])
    assert len(added) == 1, added
    slug = added[0].split(":")[0].strip()
    for name in changed:
        if name != "allocations.yml" and name in before:
            assert _added_lines(before[name], after[name])
    network = load_network(intent).network
    assert network.site_by_slug[slug].status.value == "planned"
    # The record is what the allocation mechanism itself would write: `allocations update` has nothing to add.
    checked = netops_in_process(capsys, "allocations", "update", "--check", "--intent", "intent")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Adding the same site again is refused: the site is in the intent now (a no-op could not tell it from a
    # different site of the same name an engineer has edited since).
    code, _, stderr = run_case(capsys, case)
    assert code == 2 and f"site {slug} is already in the intent" in stderr, stderr
    assert files_of(intent) == after


def test_site_show_prints_the_site_and_its_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], golden) -> None:  # type: ignore[no-untyped-def]
    intent = tmp_path / "intent"
    shutil.copytree(SAMPLE, intent)
    # A site two steps into its rollout, as `netops rollout` leaves it: the ledger, its evidence, the status.
    folder = intent / "rollout" / "ubnd-xa-co-loa"
    (folder / "diffs").mkdir(parents=True)
    (folder / "netbox-staged.json").write_text('{"created": 14}\n', encoding="utf-8")
    for router in ("ubnd-xa-co-loa-r01", "dong-anh-agg-01"):
        (folder / "diffs" / f"{router}.diff").write_text(f"+ hostname {router}\n", encoding="utf-8")
    (folder / "ledger.yml").write_text(
        "site: ubnd-xa-co-loa\ntransitions:\n"
        "  - {state: staged, at: '2026-11-30T08:00:00Z', by: null, commit: 0123456789abcdef0123, "
        "evidence: [netbox-staged.json], summary: NetBox objects applied}\n"
        "  - state: provisioned\n    at: '2026-12-01T09:30:00Z'\n    by: Nguyễn Văn An\n    commit: null\n"
        "    evidence: [diffs/dong-anh-agg-01.diff, diffs/ubnd-xa-co-loa-r01.diff]\n    summary: pushed 2 routers\n",
        encoding="utf-8")
    commune = intent / "communes" / "00454-dong-anh.yml"
    text = commune.read_text(encoding="utf-8")
    site_at = text.index("slug: ubnd-xa-co-loa")
    status_at = text.index("status: planned", site_at)
    commune.write_text(text[:status_at] + "status: provisioned" + text[status_at + len("status: planned"):],
                       encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    done = netops_in_process(capsys, "site", "show", "ubnd-xa-co-loa", "--intent", "intent")
    assert done.returncode == 0, done.stderr
    golden(TESTS / "site" / "golden" / "show-ubnd-xa-co-loa.txt", done.stdout)
    done = netops_in_process(capsys, "site", "show", "ubnd-xa-co-loa", "--intent", "intent", "--json")
    assert done.returncode == 0, done.stderr
    golden(TESTS / "site" / "golden" / "show-ubnd-xa-co-loa.json", done.stdout)


def test_site_show_without_a_ledger_and_of_an_unknown_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    done = netops_in_process(capsys, "site", "show", "ubnd-xa-uy-no")
    assert done.returncode == 0, done.stderr
    assert "rollout:    no ledger" in done.stdout and "status:     planned" in done.stdout
    done = netops_in_process(capsys, "site", "show", "ubnd-xa-uy-noo")
    assert done.returncode == 2
    assert "no such site" in done.stderr and "did you mean ubnd-xa-uy-no" in done.stderr


def test_a_malformed_ledger_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    intent = tmp_path / "intent"
    shutil.copytree(SAMPLE, intent)
    ledger = intent / "rollout" / "ubnd-xa-uy-no" / "ledger.yml"
    ledger.parent.mkdir(parents=True)
    ledger.write_text("state: staged\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    done = netops_in_process(capsys, "site", "show", "ubnd-xa-uy-no", "--intent", "intent")
    assert done.returncode == 2
    assert "intent/rollout/ubnd-xa-uy-no/ledger.yml:1" in done.stderr and "Traceback" not in done.stderr


def test_json_errors_go_to_stdout_with_exit_2(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    done = netops_in_process(capsys, "site", "add", "Phường Không Có", "--kind", "ward_committee", "--json")
    assert done.returncode == 2
    errors = json.loads(done.stdout)["errors"]
    assert [error["message"] for error in errors] == ["no such unit in the official list"]
