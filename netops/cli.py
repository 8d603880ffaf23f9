"""The `netops` command line: the only place that prints and chooses exit codes.

Exit codes, the same in every command (netops.errors): 0 success; 1 a finding (drift, a compliance or
verification failure); 2 bad input or usage (nothing was written); 3 a service (NetBox, a device, the lab)
could not be reached or failed.

This module stays light, because every run imports it: the commands live in command modules (COMMAND_MODULES), and
a run imports only the module of the command it runs. `netops --help`, `--version` and the completion of command
names import none: they list the commands from the command index (cli_index.json: each command's module and the
summary help prints), which tests/test_cli.py proves equal to what the modules register.
"""

import inspect
import json
import os
import re
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click import Command, Context, Parameter

# Typer carries its own copy of click: its usage errors are these (netops.cli.main prints them as input errors).
from typer._click.exceptions import BadParameter, NoArgsIsHelpError, NoSuchOption, UsageError
from typer.core import TyperCommand, TyperGroup, TyperOption

from netops import __version__

if TYPE_CHECKING:
    from citynet_models.problems import Problem

#: The command modules, in the order of the help, with the commands and groups each mounts: each exposes
#: `register(app)` or a typer `app` (a group named after its package). tests/test_cli.py checks the names.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "netops.model_cli": ("validate", "show", "export", "generate-city"),
    "netops.netbox.cli": ("netbox",),
    "netops.query.cli": ("query",),
    "netops.analysis.cli": ("analyze",),
    "netops.report.cli": ("report",),
    "netops.render.cli": ("render",),
    "netops.netbox.sync_cli": ("plan", "apply", "drift", "allocate"),
    "netops.lab.cli": ("lab",),
    "netops.compliance.cli": ("compliance",),
    "netops.verify.cli": ("verify",),
    "netops.units.cli": ("units",),
    "netops.allocations.cli": ("allocations",),
    "netops.reorganize.cli": ("reorganize",),
    "netops.site.cli": ("site",),
    "netops.rollout.cli": ("rollout",),
    "netops.monitoring.cli": ("monitoring",),
}
#: The command index: every command and group of `netops`, in the order of the help, each with its module and the
#: summary the help lists. Written by `command_index_text()` (tests/test_cli.py, `pytest --update-goldens`).
INDEX_FILE = Path(__file__).with_name("cli_index.json")

_SETTINGS: dict[str, Any] = {
    "name": "netops",
    "help": "Infrastructure-as-code and inventory for the city WAN: the intent validated into one model, kept in "
            "NetBox, rendered into device configs, provisioned, verified, checked for compliance and reported.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
}


def _main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit")] = False,
) -> None:
    if version:
        sys.stdout.write(f"netops {__version__}\n")
        raise typer.Exit(0)


def _value_type(option: TyperOption, ctx: Context) -> str | None:
    """What help shows after an option: its value's type, and nothing after a flag, which takes no value (typer
    0.29 shows a flag's Python type, `--json <bool>`, as if it took one)."""
    if option.is_flag:
        return None
    return _typer_value_type(option, ctx)


_typer_value_type = TyperOption.display_type_rich
TyperOption.display_type_rich = _value_type  # type: ignore[method-assign,assignment]


def _mount(app: typer.Typer, name: str) -> None:
    """Mount the commands of the command module ``name`` on ``app``."""
    import importlib

    from netops.gc_policy import no_cyclic_gc

    try:
        # Importing builds thousands of classes and schemas that live to the end: collector passes over them
        # free nothing, and frozen afterwards no later pass walks them (netops/gc_policy.py).
        with no_cyclic_gc(keep_frozen=True):
            module = importlib.import_module(name)
    except ImportError as error:  # a missing dependency: say which command it takes away, and fail loudly
        error.add_note(f"netops: the command module {name} (`netops {', '.join(COMMAND_MODULES.get(name, ()))}`) "
                       "cannot be imported; reinstall city-netops with its dependencies")
        raise
    register = getattr(module, "register", None)
    if register is not None:
        register(app)
    else:  # a typer sub-application mounted as a group named after its package
        app.add_typer(module.app, name=name.split(".")[1])


@cache
def _index() -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    return index


class _Listed(TyperCommand):
    """A command as help and completion list it before its module is imported: a name and a summary."""

    def invoke(self, ctx: Context) -> Any:
        raise RuntimeError(f"netops {self.name} was listed but not loaded")  # the group resolves commands first


class _LazyGroup(TyperGroup):
    """The root group: it lists every command from the command index, and imports a command's module only when
    the command is resolved (to run it, print its help or complete its options)."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(_index())

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = self.commands.get(cmd_name)
        entry = _index().get(cmd_name)
        if command is not None or entry is None:
            return command
        return _Listed(cmd_name, help=entry["help"], hidden=entry.get("hidden", False),
                       deprecated=entry.get("deprecated", False))

    def get_params(self, ctx: Context) -> list[Parameter]:
        # A flag not given is False here, not None: typer converts every value that is not a bool through pydantic,
        # which `--version` and the completion of command names would otherwise import (70-100 ms) for nothing.
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.is_bool_flag and param.default is None:
                param.default = False
        return params

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        entry = _index().get(args[0]) if args else None
        if entry is not None and args[0] not in self.commands:
            self.commands.update(_commands_of(entry["module"]))
        return super().resolve_command(ctx, args)


def _commands_of(name: str) -> dict[str, Command]:
    """The click commands and groups the command module ``name`` mounts, built as typer builds the whole app's."""
    mounted = typer.Typer(**_SETTINGS)
    _mount(mounted, name)
    return dict(typer.main.get_group(mounted).commands)


#: `netops` as it runs: the root group, its commands loaded on use.
_app = typer.Typer(cls=_LazyGroup, **_SETTINGS)
_app.callback(invoke_without_command=True)(_main)


def _whole(names: Iterable[str] = COMMAND_MODULES) -> typer.Typer:
    """`netops` with every command module mounted, as one typer application."""
    whole = typer.Typer(**_SETTINGS)
    whole.callback(invoke_without_command=True)(_main)
    for name in names:
        _mount(whole, name)
    return whole


def __getattr__(name: str) -> typer.Typer:
    """`app`: the whole command line, every command module mounted (for tests and tools that run it)."""
    if name == "app":
        app = _whole()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _summary(command: Command) -> str:
    """What the help lists of a command: the first paragraph of its help."""
    return inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]


def command_index_text() -> str:
    """The command index (INDEX_FILE) as the command modules make it."""
    group = typer.main.get_group(_whole())
    module_of = {command: module for module, commands in COMMAND_MODULES.items() for command in commands}
    index: dict[str, dict[str, Any]] = {}
    for name, command in group.commands.items():
        entry: dict[str, Any] = {"module": module_of[name], "help": _summary(command)}
        entry.update({flag: True for flag in ("hidden", "deprecated") if getattr(command, flag)})
        index[name] = entry
    return json.dumps(index, ensure_ascii=False, indent=2) + "\n"


def _usage_problem(error: UsageError) -> "Problem":
    """A usage error (unknown command or option, bad or missing value) as a Problem with a did-you-mean."""
    from citynet_models.problems import Problem
    from netops.errors import suggestions

    context = error.ctx
    command = context.command_path if context is not None else "netops"
    message = error.format_message().replace("Value error, ", "")
    # click's own suggestions ("Did you mean 'show'?", "(Possible options: ...)") move to the hint.
    message = re.sub(r" Did you mean '?[^?]*'?\?$| \(Possible options: [^)]*\)$", "", message)
    close: list[str] = []
    if isinstance(error, NoSuchOption):
        close = sorted(error.possibilities or ())
    elif isinstance(error, BadParameter):
        found = re.search(r"'([^']*)' is not one of ((?:'[^']*'(?:, )?)+)", message)
        if found:
            close = suggestions(found.group(1), re.findall(r"'([^']*)'", found.group(2)))
    elif context is not None:
        found = re.search(r"No such command '(.*?)'", message)
        commands = getattr(context.command, "list_commands", None)
        if found and commands is not None:
            close = suggestions(found.group(1), commands(context))
    hint = f"`{command} --help` lists the commands, options and values"
    if close:
        hint = f"did you mean {' or '.join(close)}? " + hint
    return Problem(path=(command,), message=message, hint=hint)


def main(args: list[str] | None = None) -> None:
    """Console-script entry point: runs the command and exits with its code.

    Usage errors (unknown command or option, a bad or missing value) are printed like every other input error,
    with a did-you-mean, and exit 2; an interrupted run exits 130; a closed pipe (``| head``) ends quietly.
    """
    # netops.errors and the consoles are imported only when there is something to say: help, --version and
    # completion do without them.
    try:
        code = _app(args=args, prog_name="netops", standalone_mode=False)
    except NoArgsIsHelpError as error:  # `netops` or `netops lab` alone: the help (typer prints it), as a usage error
        from netops.errors import EXIT_BAD_INPUT

        if error.ctx is not None:
            sys.stderr.write(error.ctx.get_help() + "\n")
        code = EXIT_BAD_INPUT
    except UsageError as error:
        from netops.cli_support import err
        from netops.errors import EXIT_BAD_INPUT, format_problems

        err.print(format_problems([_usage_problem(error)]), markup=False, highlight=False)
        code = EXIT_BAD_INPUT
    except (typer.Abort, KeyboardInterrupt):
        from netops.cli_support import err

        err.print("interrupted", markup=False, highlight=False)
        code = 130
    except BrokenPipeError:
        # Whoever read the output stopped reading (`netops show sites | head`): nothing left to say to them.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    sys.exit(code if isinstance(code, int) else 0)
