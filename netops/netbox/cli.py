"""``netops netbox up|down|status|reset``: the embedded NetBox server (logic in netops/devnetbox/).

Exit codes (as every command, netops.errors): 0 ok; 1 ``status`` found a part that is not healthy; 2 bad settings
or a missing prerequisite (the message names the Debian package to install); 3 a part did not start, stop or
reset.
"""

from __future__ import annotations

import json
import os
import time
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from netops.cli_support import JsonOption, YesOption, confirm_or_exit
from netops.devnetbox import service
from netops.devnetbox.errors import NetboxServerError
from netops.devnetbox.settings import Settings
from netops.progress import Lines

app = typer.Typer(
    name="netbox",
    help="The embedded NetBox server (NetBox from PyPI + private PostgreSQL + Redis on 127.0.0.1). "
    "Not needed when NETBOX_URL/NETBOX_TOKEN point at a NetBox of your own.",
    no_args_is_help=True,
    add_completion=False,
)

# Markup stays on here: these messages are written with rich markup and escape() every value they show.
console = Console(highlight=False, soft_wrap=True, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)


def _fail(exc: NetboxServerError, as_json: bool = False) -> NoReturn:
    if as_json:
        print(json.dumps({"errors": [{"message": str(exc)}]}, indent=2))
    else:
        err_console.print("[bold red]error:[/] " + escape(str(exc)), soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def _settings(as_json: bool = False) -> Settings:
    try:
        return Settings.from_env()
    except NetboxServerError as exc:
        _fail(exc, as_json)


def _progress(as_json: bool = False) -> Lines:
    """Print each progress line with the seconds since the command began (nothing with --json: stdout holds the
    one JSON document)."""
    begun = time.monotonic()

    def emit(message: str) -> None:
        if not as_json:
            console.print(f"[dim]{time.monotonic() - begun:6.1f}s[/] {escape(message)}")

    return Lines(emit)


def _note_foreign_netbox(settings: Settings) -> None:
    """Clients prefer NETBOX_URL from the environment: say so when it points elsewhere."""
    url = os.environ.get("NETBOX_URL", "").rstrip("/")
    if url and url != settings.url:
        console.print(
            f"[yellow]note:[/] NETBOX_URL is set to {escape(url)}: netops clients use that NetBox, not this one."
        )


@app.command()
def up(as_json: JsonOption = False) -> None:
    """Start PostgreSQL, Redis and NetBox (installing and restoring what is missing); a no-op when healthy."""
    settings = _settings(as_json)
    try:
        result = service.up(settings, _progress(as_json))
    except NetboxServerError as exc:
        _fail(exc, as_json)
    if as_json:
        print(json.dumps({"url": result.url, "env_file": str(result.env_file), "already_up": result.already_up,
                          "seconds": round(result.seconds, 3),
                          "phases": {name: round(seconds, 3) for name, seconds in result.phases}}, indent=2))
        return
    if result.already_up:
        console.print(f"NetBox is already up at {result.url} [dim](checked in {result.seconds:.2f} s)[/]")
    else:
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.phases)
        console.print(f"[green]NetBox is up[/] at {result.url} in {result.seconds:.1f} s [dim]({phases})[/]")
    console.print(f"Client settings (NETBOX_URL, NETBOX_TOKEN): [bold]source {result.env_file}[/]")
    _note_foreign_netbox(settings)


@app.command()
def down(as_json: JsonOption = False) -> None:
    """Stop the processes `up` started (by their recorded pids) and wait until they have exited."""
    settings = _settings(as_json)
    begun = time.monotonic()
    try:
        stopped = service.down(settings, _progress(as_json))
    except NetboxServerError as exc:
        _fail(exc, as_json)
    if as_json:
        print(json.dumps({"stopped": list(stopped), "seconds": round(time.monotonic() - begun, 3)}, indent=2))
        return
    if stopped:
        console.print(f"Stopped {', '.join(stopped)} in {time.monotonic() - begun:.1f} s.")
    else:
        console.print("Nothing was running.")


@app.command()
def status(as_json: JsonOption = False) -> None:
    """Show each part (postgres, redis, netbox) with its pid and health; exit 1 unless all are healthy."""
    settings = _settings(as_json)
    try:
        state = service.status(settings)
    except NetboxServerError as exc:
        _fail(exc, as_json)
    if as_json:
        print(json.dumps(state.as_dict(), indent=2))
    else:
        table = Table(title=f"Embedded NetBox ({settings.home})")
        for column in ("part", "pid", "address", "health"):
            table.add_column(column)
        for part in state.parts:
            mark = "[green]healthy[/]" if part.healthy else ("[red]unhealthy[/]" if part.running else "[dim]down[/]")
            table.add_row(part.name, str(part.pid or "-"), part.address, f"{mark} {escape(part.detail)}".strip())
        console.print(table)
        if state.healthy:
            console.print(f"Client settings: [bold]source {state.env_file}[/]")
        _note_foreign_netbox(settings)
    raise typer.Exit(0 if state.healthy else 1)


@app.command()
def reset(yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Empty NetBox back to the fresh schema with the admin user and token (brings it up first if needed).

    Every object in it is deleted: asked for on a terminal (--yes: without asking; not on a terminal, --yes is
    needed)."""
    settings = _settings(as_json)
    confirm_or_exit("netbox reset", f"delete every object of the NetBox at {settings.url}",
                    [f"- the database of {settings.home} goes back to the empty schema: every site, device, prefix "
                     "and change-log entry is deleted; the admin user and token stay"], yes=yes, as_json=as_json)
    try:
        seconds = service.reset(settings, _progress(as_json))
    except NetboxServerError as exc:
        _fail(exc, as_json)
    if as_json:
        print(json.dumps({"url": settings.url, "reset": True, "seconds": round(seconds, 3)}, indent=2))
        return
    console.print(f"[green]NetBox data reset[/] at {settings.url} in {seconds:.1f} s.")


if __name__ == "__main__":
    app()
