"""The commands the docs show, run as the docs say they run.

The convention (CONTRIBUTING.md, "Commands in the docs"): in README.md and docs/*.md, a ```console block holds
commands on lines that start with ``$ ``; the output a reader would see follows on lines without it. Every
``$ netops ...`` line ends with its documented exit code, and, when it needs more than the intent files, what it
needs::

    $ netops validate                     # exit 0
    $ netops apply                        # exit 0 (netbox)
    $ netops lab up --configured          # exit 0 (lab)

Other ``$`` lines (``export``, ``source``, ``make``) set the scene for the reader and are not run here.

Every documented command must be one the CLI knows, with options it knows (``netops ARGS --help`` parses the
words without running anything). The commands that need neither NetBox nor the lab run, in the order the page
shows them, in a temporary folder holding a copy of the checkout's ``inventory/`` (so ``inventory/city`` and
``out/`` are the reader's), and must exit as documented; the checkout is never written. The ``(netbox)`` ones run,
with the rest of their page, against a NetBox of the test's own (marker ``netbox``). ``(lab)`` ones need root and
network namespaces: they are checked for being known, and reported as skipped.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.netbox.support import netbox_server

DOCS = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
#: The pages a new user starts from: they must show commands, or the test below checks nothing.
QUICK_STARTS = (REPO / "README.md", REPO / "docs" / "quickstart-netbox.md")

_FENCE = re.compile(r"^\s*```(\S*)")
_MARKER = re.compile(r"\s+#\s*exit\s+(?P<code>\d+)(?:\s+\((?P<needs>netbox|lab)\))?\s*$")
#: A NetBox of this module's own: its state directory and ports (no other test module uses these ports).
SERVER_ENV = {
    "NETOPS_NETBOX_HOME": str(REPO / "var" / "netbox-docs-test"),
    "NETOPS_NETBOX_VENV": str(REPO / "var" / "netbox" / "venv"),
    "NETOPS_NETBOX_PORT": "18861",
    "NETOPS_NETBOX_PG_PORT": "25479",
    "NETOPS_NETBOX_REDIS_PORT": "63869",
}


@dataclass(frozen=True)
class DocCommand:
    """One ``$ netops ...`` line of a page: where it is, its words, its documented exit code and what it needs."""

    doc: Path
    line: int
    text: str
    args: tuple[str, ...]
    exit: int
    needs: str | None  # None: the intent files only; "netbox"; "lab"

    @property
    def where(self) -> str:
        return f"{_shown(self.doc)}:{self.line}"


def _shown(doc: Path) -> Path:
    """A page's path as a reader of the checkout names it."""
    return doc.relative_to(REPO) if doc.is_relative_to(REPO) else doc


def _console_lines(doc: Path) -> Iterator[tuple[int, str]]:
    """(line number, text after ``$ ``) of every command line in the page's ```console blocks."""
    in_console = in_block = False
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence:
            in_console = not in_block and fence.group(1) == "console"
            in_block = not in_block
        elif in_console and line.lstrip().startswith("$ "):
            yield number, line.lstrip()[2:]


def doc_commands(doc: Path) -> tuple[list[DocCommand], list[str]]:
    """The page's netops commands, and a problem for each netops line that breaks the convention."""
    commands: list[DocCommand] = []
    problems: list[str] = []
    for number, text in _console_lines(doc):
        if not text.startswith("netops ") and text != "netops":
            continue
        where = f"{_shown(doc)}:{number}"
        marker = _MARKER.search(text)
        if marker is None:
            problems.append(f"{where}: `{text}` has no `# exit N` marker (optionally followed by (netbox) or (lab))")
            continue
        if int(marker.group("code")) not in (0, 1, 2, 3):
            problems.append(f"{where}: `{text}`: exit codes are 0-3 (README, \"Exit codes\")")
            continue
        try:
            words = shlex.split(text[: marker.start()])
        except ValueError as error:
            problems.append(f"{where}: `{text}` is not a shell command line: {error}")
            continue
        if any(word in ("|", "||", "&&", ";", ">", "<") for word in words):
            problems.append(f"{where}: `{text}`: one netops command per line, no pipes or redirections")
            continue
        commands.append(DocCommand(doc, number, text[: marker.start()].rstrip(), tuple(words[1:]),
                                   int(marker.group("code")), marker.group("needs")))
    return commands, problems


ALL = [command for doc in DOCS for command in doc_commands(doc)[0]]


def _environment(work: Path) -> dict[str, str]:
    """A reader's shell: no NetBox or netops settings of the machine's, state kept inside the work folder."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("NETOPS_", "NETBOX_")) and name not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env.update({"PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}",
                "NETOPS_NETBOX_HOME": str(work / "state" / "netbox"), "NETOPS_LAB_HOME": str(work / "state" / "lab"),
                "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    return env


def _run(args: tuple[str, ...], work: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=work, env=env, capture_output=True,
                          text=True, check=False)


def _reader_folder(tmp_path: Path) -> Path:
    """A folder like a checkout's top, holding a copy of its inventory/ (the intent and netops.yml)."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(REPO / "inventory", work / "inventory")
    return work


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _mismatch(command: DocCommand, done: subprocess.CompletedProcess[str]) -> str:
    tail = "\n    ".join((done.stdout + done.stderr).strip().splitlines()[-8:])
    return f"{command.where}: `{command.text}` exited {done.returncode}, the doc says {command.exit}\n    {tail}"


def _run_page(commands: list[DocCommand], work: Path, env: dict[str, str], *, with_netbox: bool) -> list[str]:
    """Run a page's commands in order (skipping the lab's, and NetBox's unless there is one); the mismatches."""
    mismatches = []
    for command in commands:
        if command.needs == "lab" or (command.needs == "netbox" and not with_netbox):
            continue
        done = _run(command.args, work, env)
        if done.returncode != command.exit:
            mismatches.append(_mismatch(command, done))
    return mismatches


def test_quick_starts_show_commands() -> None:
    for page in QUICK_STARTS:
        commands, _ = doc_commands(page)
        assert commands, f"{page.relative_to(REPO)} shows no `$ netops` line in a ```console block"
    assert any(command.needs == "netbox" for command in doc_commands(QUICK_STARTS[1])[0])


def test_every_command_line_follows_the_convention() -> None:
    problems = [problem for doc in DOCS for problem in doc_commands(doc)[1]]
    assert not problems, "\n".join(problems)


def test_the_convention_is_enforced(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```console\n$ netops validate   # exit 0\n$ netops plan\n$ netops apply  # exit 0 (netbox)\n"
                    "$ netops show sites | head   # exit 0\n$ make demo\n```\n```sh\n$ netops nothing\n```\n",
                    encoding="utf-8")
    commands, problems = doc_commands(page)
    assert [(c.args, c.exit, c.needs) for c in commands] == [(("validate",), 0, None), (("apply",), 0, "netbox")]
    assert len(problems) == 2
    assert f"{page}:3" in problems[0] and "no `# exit N` marker" in problems[0]
    assert "no pipes" in problems[1]


@pytest.mark.parametrize("command", ALL, ids=lambda command: f"{command.where} {command.text}")
def test_command_is_known_to_the_cli(command: DocCommand, tmp_path: Path) -> None:
    """The command and its options exist: ``--help`` after the words parses them and runs nothing."""
    done = _run((*command.args, "--help"), tmp_path, _environment(tmp_path))
    assert done.returncode == 0, (f"{command.where}: `{command.text}`: the CLI rejects it\n"
                                  f"{done.stdout}{done.stderr}")


def test_a_command_the_cli_does_not_know_fails(tmp_path: Path) -> None:
    done = _run(("shwo", "sites", "--help"), tmp_path, _environment(tmp_path))
    assert done.returncode == 2 and "No such command" in done.stderr


def test_a_command_exiting_otherwise_than_documented_is_reported(tmp_path: Path) -> None:
    work = _reader_folder(tmp_path)
    wrong = DocCommand(tmp_path / "page.md", 7, "netops validate", ("validate",), 2, None)
    needs_netbox = DocCommand(tmp_path / "page.md", 8, "netops plan", ("plan",), 0, None)
    mismatches = _run_page([wrong, needs_netbox], work, _environment(work), with_netbox=False)
    assert len(mismatches) == 2
    assert "page.md:7: `netops validate` exited 0, the doc says 2" in mismatches[0]
    assert "exited 2, the doc says 0" in mismatches[1] and "no NetBox to talk to" in mismatches[1]


@pytest.mark.parametrize("doc", [doc for doc in DOCS if any(c.doc == doc for c in ALL)],
                         ids=lambda doc: str(doc.relative_to(REPO)))
def test_commands_without_netbox_exit_as_documented(doc: Path, tmp_path: Path) -> None:
    commands = [command for command in ALL if command.doc == doc]
    if all(command.needs for command in commands):
        pytest.skip(f"{doc.relative_to(REPO)}: every command needs NetBox or the lab")
    inventory = _tree_digest(REPO / "inventory")
    work = _reader_folder(tmp_path)
    mismatches = _run_page(commands, work, _environment(work), with_netbox=False)
    assert not mismatches, "\n".join(mismatches)
    assert _tree_digest(REPO / "inventory") == inventory, "a documented command wrote into the checkout"


@pytest.mark.parametrize("command", [command for command in ALL if command.needs == "lab"],
                         ids=lambda command: f"{command.where} {command.text}")
def test_lab_command(command: DocCommand) -> None:
    pytest.skip(f"{command.where}: `{command.text}` needs the lab (root, network namespaces): marked (lab) in the"
                " doc, checked only for being known to the CLI")


@pytest.fixture(scope="module")
def netbox_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The docs' NetBox, emptied (`netops netbox reset`), with the reader's environment around it."""
    base = _environment(tmp_path_factory.mktemp("docs-netbox"))
    yield from netbox_server(SERVER_ENV, base, command="reset")


@pytest.mark.netbox
@pytest.mark.parametrize("doc", [doc for doc in DOCS if any(c.doc == doc and c.needs == "netbox" for c in ALL)],
                         ids=lambda doc: str(doc.relative_to(REPO)))
def test_commands_with_netbox_exit_as_documented(doc: Path, netbox_env: dict[str, str], tmp_path: Path) -> None:
    """The page's commands in order, its NetBox ones against an empty NetBox as the page starts from."""
    done = subprocess.run([sys.executable, "-m", "netops", "netbox", "reset", "--yes"], cwd=REPO, env=netbox_env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    work = _reader_folder(tmp_path)
    env = netbox_env | {"NETOPS_LAB_HOME": str(work / "state" / "lab")}
    mismatches = _run_page([command for command in ALL if command.doc == doc], work, env, with_netbox=True)
    assert not mismatches, "\n".join(mismatches)
