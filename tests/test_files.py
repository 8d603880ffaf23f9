"""netops.files: the ownership rule of output folders, and runs interrupted anywhere converging when re-run."""

import json
from pathlib import Path

import pytest

from netops import files
from netops.errors import InputError
from netops.files import MANIFEST, digest, plan_folder, write_folder

FIRST = {"a.txt": "a1\n", "sub/b.txt": "b1\n", "sub/c.txt": "c1\n", "d.txt": "d1\n", "e.txt": "e1\n"}
SECOND = {"a.txt": "a2\n", "sub/b.txt": "b2\n", "sub/c.txt": "c2\n", "d.txt": "d2\n", "f.txt": "f2\n"}


def run(folder: Path, content: dict[str, str], **options: object) -> files.FolderResult:
    return write_folder(plan_folder(folder, content, command="test", **options))  # type: ignore[arg-type]


def contents(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*")
            if p.is_file() and p.name != MANIFEST}


def interrupt_after(monkeypatch: pytest.MonkeyPatch, writes: int) -> None:
    """The run stops (as on Ctrl-C) when it is about to write its file number `writes + 1`."""
    real = files.write_atomic
    done = {"files": 0}

    def write_atomic(path: Path, text: str, *, mode: int | None = None) -> bool:
        if path.name != MANIFEST:
            if done["files"] == writes:
                raise KeyboardInterrupt
            done["files"] += 1
        return real(path, text, mode=mode)

    monkeypatch.setattr(files, "write_atomic", write_atomic)


@pytest.mark.parametrize("writes", [0, 1, 3, 4])
def test_an_interrupted_first_run_converges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writes: int) -> None:
    with monkeypatch.context() as patch:
        interrupt_after(patch, writes)
        with pytest.raises(KeyboardInterrupt):
            run(tmp_path, FIRST)
    again = run(tmp_path, FIRST)
    assert len(again.written) == len(FIRST) - writes and contents(tmp_path) == FIRST
    assert not run(tmp_path, FIRST).written


@pytest.mark.parametrize("writes", [0, 2, 4])
@pytest.mark.parametrize("rerun", ["same", "earlier"])
def test_an_interrupted_change_converges_to_either_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           writes: int, rerun: str) -> None:
    run(tmp_path, FIRST)
    with monkeypatch.context() as patch:
        interrupt_after(patch, writes)
        with pytest.raises(KeyboardInterrupt):
            run(tmp_path, SECOND)
    wanted = SECOND if rerun == "same" else FIRST
    result = run(tmp_path, wanted)
    assert contents(tmp_path) == wanted
    assert "pending" not in json.loads((tmp_path / MANIFEST).read_text())
    assert result.written or result.unchanged
    assert not run(tmp_path, wanted).written


def test_a_file_edited_after_an_interrupted_run_is_still_protected(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    run(tmp_path, FIRST)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 2)
        with pytest.raises(KeyboardInterrupt):
            run(tmp_path, SECOND)
    (tmp_path / "a.txt").write_text("mine\n")
    with pytest.raises(InputError) as refused:
        plan_folder(tmp_path, SECOND, command="test")
    assert refused.value.problems[0].found == "a.txt"


def test_a_stale_file_is_removed_only_when_unchanged(tmp_path: Path) -> None:
    run(tmp_path, FIRST)
    (tmp_path / "d.txt").write_text("edited\n")
    smaller = {k: v for k, v in FIRST.items() if k not in ("d.txt", "e.txt")}
    with pytest.raises(InputError) as refused:
        plan_folder(tmp_path, smaller, command="test")
    assert "d.txt" in str(refused.value.problems[0].found) and "e.txt" not in str(refused.value.problems[0].found)
    result = run(tmp_path, smaller, force=True)
    assert result.removed == ["d.txt", "e.txt"] and contents(tmp_path) == smaller


def test_keep_carries_files_not_produced_this_time(tmp_path: Path) -> None:
    run(tmp_path, FIRST)
    result = run(tmp_path, {"a.txt": "a1\n"}, keep=lambda relative: relative.startswith("sub/"))
    assert result.removed == ["d.txt", "e.txt"]
    assert set(json.loads((tmp_path / MANIFEST).read_text())["files"]) == {"a.txt", "sub/b.txt", "sub/c.txt"}


def test_another_commands_folder_and_a_damaged_manifest_are_refused(tmp_path: Path) -> None:
    run(tmp_path, FIRST)
    with pytest.raises(InputError) as other:
        plan_folder(tmp_path, FIRST, command="other")
    assert "holds the output of `netops test`" in other.value.problems[0].message
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(InputError) as damaged:
        plan_folder(tmp_path, FIRST, command="test")
    assert "cannot be read" in damaged.value.problems[0].message
    assert not run(tmp_path, FIRST, force=True).written  # the content is right: only the manifest is rewritten
    assert json.loads((tmp_path / MANIFEST).read_text())["files"]["a.txt"] == digest("a1\n")


def test_adopted_files_count_as_the_commands_own(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old a\n")
    (tmp_path / "legacy.json").write_text("{}")
    adopt = {"a.txt": digest("old a\n"), "legacy.json": digest("{}")}
    result = run(tmp_path, {"a.txt": "a1\n"}, adopt=adopt)
    assert result.written == ["a.txt"] and result.removed == ["legacy.json"]
