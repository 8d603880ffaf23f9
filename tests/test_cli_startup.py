"""netops.cli's start-up: the command index, lazy loading, shell completion, and every command's help.

The index (netops/cli_index.json) is what `netops --help` and the completion of command names list without
importing any command module; it is compared here with what the modules register, and the help printed through the
lazy root with the help of the whole application mounted at once, command by command.
"""

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from netops.cli import INDEX_FILE, app, command_index_text, main
from tests.conftest import REPO

ENV = {**{name: value for name, value in os.environ.items()
          if not name.startswith(("NETOPS_", "NETBOX_", "_NETOPS_", "_TYPER_", "COMP_"))
          and name not in ("FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TERMINAL_WIDTH")},
       "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}", "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def commands(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group of the whole application, with its path (the root's is empty)."""
    command = typer.main.get_command(app) if command is None else command
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


ALL = list(commands())


def run_main(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    """netops through its entry point, in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        main(args)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    else:
        code = 0
    captured = capsys.readouterr()
    return code, ANSI.sub("", captured.out), ANSI.sub("", captured.err)


def test_the_command_index_is_what_the_command_modules_register(golden) -> None:  # type: ignore[no-untyped-def]
    """`pytest --update-goldens` rewrites the index after a command is added, renamed or its summary changed."""
    golden(INDEX_FILE, command_index_text())
    index = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    assert list(index) == [name for path, _ in ALL if len(path) == 1 for name in path]


@pytest.mark.parametrize("path", [path for path, _ in ALL], ids=lambda path: " ".join(path) or "netops")
def test_help_through_the_lazy_root_is_the_whole_applications(path: tuple[str, ...], capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "160")
    code, lazy, _ = run_main(capsys, [*path, "--help"])
    assert code == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        app([*path, "--help"], prog_name="netops")
    assert done.value.code == 0
    assert lazy == ANSI.sub("", capsys.readouterr().out)


@pytest.mark.parametrize(("path", "command"), ALL, ids=lambda value: " ".join(value) if isinstance(value, tuple)
                         else "")
def test_every_option_is_in_help_and_a_flag_shows_no_value(path: tuple[str, ...], command: Any, capsys,  # type: ignore[no-untyped-def]
                                                          monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per option: its names and type are not wrapped
    code, text, _ = run_main(capsys, [*path, "--help"])
    assert code == 0
    assert "<bool" not in text
    context = typer.main.get_command(app).make_context("netops", [], resilient_parsing=True)
    options = [param for param in command.get_params(context) if not getattr(param, "hidden", False)]
    assert any(param.opts == ["--help"] for param in options)
    for param in options:
        name = param.opts[0] if param.param_type_name == "option" else param.display_name_raw
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), f"netops {' '.join(path)} --help: {name}?"


def isolated_imports(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    """Run netops in a fresh interpreter: its exit code, the modules it imported, its stdout."""
    script = ("import json, sys\nfrom netops.cli import main\ncode = 0\n"
              "try:\n    main(sys.argv[1:])\nexcept SystemExit as done:\n    code = done.code or 0\n"
              "sys.stdout.flush()\nsys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n')\n"
              "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env={**ENV, **(env or {})},
                          capture_output=True, text=True, timeout=120, check=False)
    marker = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    assert marker, done.stderr
    return done.returncode, json.loads(marker[-1].removeprefix("MODULES ")), done.stdout


#: What a run that lists or completes command names must not import: the command modules and the heavy libraries.
HEAVY = re.compile(r"^(pydantic|pydantic_core|citynet_models\.(?!problems$).*|pynetbox|jinja2|napalm|napalm_frr|"
                   r"yaml|requests|netops\.(?!cli$|errors$).*)(\.|$)")


@pytest.mark.parametrize(("args", "env"), [
    (["--help"], {}),
    (["--version"], {}),
    ([], {}),
    ([], {"_NETOPS_COMPLETE": "complete_bash", "COMP_WORDS": "netops val", "COMP_CWORD": "1"}),
    ([], {"_NETOPS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "netops "}),
], ids=["help", "version", "no-arguments", "complete-bash", "complete-zsh"])
def test_listing_the_commands_imports_no_command_module(args: list[str], env: dict[str, str]) -> None:
    code, modules, stdout = isolated_imports(*args, env=env)
    assert code in (0, 2), stdout
    assert "netops.cli" in modules
    assert [name for name in modules if HEAVY.match(name)] == []
    if args == ["--help"]:
        index = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
        assert all(re.search(rf"│ {re.escape(name)} ", stdout) for name in index), stdout


def test_a_command_imports_its_own_module_only() -> None:
    code, modules, _ = isolated_imports("units", "--help")
    assert code == 0
    assert [name for name in modules if name.endswith("cli")] == ["netops.cli", "netops.units.cli"]


def test_a_command_module_that_cannot_be_imported_fails_loudly_and_keeps_its_command_listed() -> None:
    """A missing dependency (jinja2, blocked) hides nothing: help still lists the command that needs it, and using
    that command fails with the import error, noted with the module and the commands it takes away."""
    script = "import sys\nsys.modules['jinja2'] = None\nfrom netops.cli import main\nmain(sys.argv[1:])\n"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=ENV, capture_output=True,
                              text=True, timeout=120, check=False)

    listed = run("--help")
    assert listed.returncode == 0 and re.search(r"│ render ", listed.stdout), listed.stderr
    for args in (("render", "--help"), ("render",)):
        used = run(*args)
        assert used.returncode == 1
        assert "ModuleNotFoundError: import of jinja2 halted" in used.stderr, used.stderr
        assert "the command module netops.render.cli (`netops render`) cannot be imported" in used.stderr
    assert run("validate", "--json").returncode == 0  # the other commands are not affected
    whole = subprocess.run([sys.executable, "-c", "import sys\nsys.modules['jinja2'] = None\n"
                            "from netops.cli import app"], cwd=REPO, env=ENV, capture_output=True, text=True,
                           timeout=120, check=False)
    assert whole.returncode == 1 and "cannot be imported; reinstall city-netops" in whole.stderr


def complete(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, shell: str, line: str) -> list[str]:
    """What one Tab completes at the end of ``line``, through typer's protocol for ``shell``."""
    monkeypatch.setenv("_NETOPS_COMPLETE", f"complete_{shell}")
    if shell == "bash":
        words = line.split(" ")
        monkeypatch.setenv("COMP_WORDS", line)
        monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
    else:
        monkeypatch.setenv("_TYPER_COMPLETE_ARGS", line)
        monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    code, out, err = run_main(capsys, [])
    assert code == 0, err
    if shell == "zsh":
        return re.findall(r'^"((?:[^"]|"")*)"', out.removeprefix("_arguments '*: :(("), flags=re.MULTILINE)
    return [item.split("\t")[0] for item in out.splitlines() if item]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_of_commands_options_and_values(shell: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert complete(capsys, monkeypatch, shell, "netops val") == ["validate"]
    assert complete(capsys, monkeypatch, shell, "netops re") == ["report", "render", "reorganize"]
    assert complete(capsys, monkeypatch, shell, "netops render --source ") == ["intent", "netbox"]
    assert complete(capsys, monkeypatch, shell, "netops show ") == ["sites", "devices", "links", "lans",
                                                                   "prefixes", "services"]
    assert complete(capsys, monkeypatch, shell, "netops lab f") == ["fail"]
    assert complete(capsys, monkeypatch, shell, "netops --v") == ["--version"]


@pytest.mark.parametrize(("path", "command"), ALL, ids=lambda value: " ".join(value) if isinstance(value, tuple)
                         else "")
def test_completion_lists_every_option_of_every_command(path: tuple[str, ...], command: Any, capsys,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    context = typer.main.get_command(app).make_context("netops", [], resilient_parsing=True)
    expected = [name for param in command.get_params(context) if param.param_type_name == "option"
                and not param.hidden for name in (*param.opts, *param.secondary_opts) if name.startswith("--")]
    assert complete(capsys, monkeypatch, "bash", " ".join(["netops", *path, "--"])) == expected


def test_completion_in_bash_itself(tmp_path: Path) -> None:
    """The script `--show-completion bash` prints, sourced into bash, completes what the protocol gives."""
    wrapper = tmp_path / "netops"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m netops "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    env = {**ENV, "PATH": f"{tmp_path}{os.pathsep}{ENV['PATH']}"}
    script = subprocess.run(["netops", "--show-completion", "bash"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120, check=True).stdout
    assert "complete -o default -F _netops_completion netops" in script
    session = (script + '\nCOMP_WORDS=(netops render --source ""); COMP_CWORD=3; _netops_completion netops\n'
               'printf "%s\\n" "${COMPREPLY[@]}"\nCOMP_WORDS=(netops gen); COMP_CWORD=1; _netops_completion netops\n'
               'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", session], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["intent", "netbox", "generate-city"]


def test_install_completion_writes_the_script_once(tmp_path: Path) -> None:
    """`--install-completion` (the shell named, as typer takes it when it does not detect one) writes the script and
    one line sourcing it into the shell's start-up file, however often it runs; a HOME of the test's own."""
    env = {**ENV, "HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}

    def netops(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    for _ in range(2):
        installed = netops("--install-completion", "bash")
        assert installed.returncode == 0, installed.stderr
    script = tmp_path / ".bash_completions" / "netops.sh"
    assert script.read_text(encoding="utf-8").strip() == netops("--show-completion", "bash").stdout.strip()
    assert (tmp_path / ".bashrc").read_text(encoding="utf-8").count(f"source '{script}'") == 1
