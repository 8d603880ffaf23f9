"""``netops plan``, ``netops apply``, ``netops drift`` and ``netops allocate``: NetBox as the system of record.

Exit codes (as every command, netops.errors): 0 done (plan shown, apply written, no drift); 1 a finding: drift
found, conflicts that stop apply (nothing written), a prefix with no room left for ``allocate``; 2 bad input
(invalid intent, intent NetBox cannot hold, bad arguments), no NetBox configured or a token NetBox refuses;
3 NetBox could not be reached, timed out or failed a request. Bad input writes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from citynet_models.network import Network
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_BAD_INPUT,
    EXIT_FINDING,
    AreaOption,
    DistrictOption,
    IntentOption,
    JsonOption,
    SiteOption,
    UnitOption,
    YesOption,
    confirm_or_exit,
    err,
    exit_bad_input,
    exit_for_error,
    load_or_exit,
    out,
    progress_for,
)
from netops.errors import InputError
from netops.gc_policy import no_cyclic_gc
from netops.netbox.client import CHUNK_SIZE, NetBoxClient, NetBoxError
from netops.netbox.mapping import desired_records
from netops.netbox.mapping.base import RecordSet
from netops.netbox.plan import Plan
from netops.netbox.scope import ScopedPlan, scope_plan
from netops.netbox.snapshot import Backend, Snapshot, read_snapshot
from netops.progress import Progress
from netops.selectors import scope

BackendOption = Annotated[Backend, typer.Option("--backend", help="How to read NetBox: GraphQL or REST (fields=)")]
PruneOption = Annotated[bool, typer.Option("--prune", help="Delete managed objects that left the intent")]
AdoptOption = Annotated[bool, typer.Option(
    "--adopt", help="Take over same-key objects netops does not manage (tag them and make them match intent)")]


def _progress(as_json: bool) -> Progress:
    return progress_for(as_json)


#: What --unit, --area, --district and --site name, as given.
ScopeValues = tuple[list[str] | None, list[str] | None, list[str] | None, list[str] | None]
NO_SCOPE: ScopeValues = (None, None, None, None)


def _intent_records(intent: Path, as_json: bool,
                    scoping: ScopeValues = NO_SCOPE) -> tuple[Network, RecordSet, frozenset[str] | None]:
    """The validated intent, the NetBox objects it maps to, and the slugs of the sites the scoping options select
    (None: no option given); exit 2 (nothing written) if the intent is invalid or an option names nothing.

    Validation refuses whatever NetBox would (names, lengths, coordinates, service protocols), so a valid model
    always maps. The whole intent is validated and mapped whatever the scope."""
    network = load_or_exit(intent, as_json).network
    units, areas, districts, sites = scoping
    try:
        selected = scope(network, units=units, areas=areas, districts=districts, sites=sites).sites
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    return network, desired_records(network), selected


def _client(as_json: bool, workers: int = 1) -> NetBoxClient:
    try:
        client = NetBoxClient.from_env(workers=workers)
        client.status()
    except NetBoxError as error:
        exit_for_error(error, as_json)
    return client


def _desired_and_snapshot(intent: Path, backend: Backend, as_json: bool, workers: int = 1,
                          scoping: ScopeValues = NO_SCOPE,
                          ) -> tuple[NetBoxClient, RecordSet, Snapshot, frozenset[str] | None]:
    """The NetBox objects the intent maps to, and what NetBox holds, read while the intent loads (the load keeps the
    CPU busy, the read mostly waits on NetBox). An invalid intent exits 2 whatever NetBox does, as when it was
    loaded first."""
    with ThreadPoolExecutor(max_workers=1) as loading:
        loaded = loading.submit(lambda: _intent_records(intent, as_json, scoping))
        desired = loading.submit(lambda: loaded.result()[1])
        try:
            client = NetBoxClient.from_env(workers=workers)
            client.status()
            snapshot = read_snapshot(client, backend=backend, desired=desired, progress=_progress(as_json))
        except NetBoxError as error:
            loaded.result()  # the intent's own errors come first
            exit_for_error(error, as_json)
        return client, desired.result(), snapshot, loaded.result()[2]


def _narrow(plan: Plan, desired: RecordSet, snapshot: Snapshot, sites: frozenset[str] | None) -> ScopedPlan | None:
    """The plan of the selected sites and what they need (netops.netbox.scope); None without a scope."""
    if sites is None:
        return None
    return scope_plan(plan, desired, snapshot, sites)


def _scope_json(scoped: ScopedPlan | None) -> dict[str, object]:
    return {"scope": None if scoped is None else scoped.to_json()}


def _scope_lines(scoped: ScopedPlan | None) -> list[str]:
    """What the text output says about the scope: its sites and the changes held back."""
    if scoped is None:
        return []
    lines = [f"Scope: {len(scoped.sites)} sites ({', '.join(scoped.sites)}) and the city-wide objects they need"]
    if scoped.held_back:
        lines.append(f"Held back: {len(scoped.held_back)} changes need objects of sites outside the scope that "
                     "NetBox does not hold yet (apply those sites, or without a scope):")
        lines += [f"  {change.action.value} {change.noun} {change.label}" for change in scoped.held_back]
    return lines


def default_message(intent: Path) -> str:
    """The change-log message of an apply: where the intent came from, with its git commit when there is one."""
    try:
        done = subprocess.run(["git", "-C", str(intent), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
        commit = done.stdout.strip() if done.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"netops apply from {intent}" + (f" (git {commit})" if commit else "")


POOLS = ("loopbacks", "links", "management", "datacenter", "ward", "district", "city")
ForOption = Annotated[str, typer.Option("--for", help="What the allocation is for (kept as its description; asking"
                                                      " again for the same returns the same)")]
CountOption = Annotated[int, typer.Option("--count", "-n", min=1, max=1000, help="How many")]
PoolOption = Annotated[str | None, typer.Option("--pool", help=f"An address-plan pool: {', '.join(POOLS)}")]
MessageOption = Annotated[str | None, typer.Option("--message", "-m", help="Change-log message of the write")]


def _pool_prefix(intent: Path, pool: str, as_json: bool) -> str:
    """The prefix of an address-plan pool of the intent (``ward``: the ward-level site blocks)."""
    plan = load_or_exit(intent, as_json).network.addressing
    pools = {"loopbacks": plan.loopbacks, "links": plan.links, "management": plan.management,
             "datacenter": plan.datacenter, **{block.level.value: block.pool for block in plan.site_blocks}}
    if pool not in pools:
        _bad_input(f"--pool {pool!r}: the address plan has no such pool",
                   f"one of: {', '.join(sorted(pools))}", as_json)
    return str(pools[pool])


def _bad_input(message: str, hint: str | None, as_json: bool) -> NoReturn:
    if as_json:
        out.print_json(data={"errors": [{"message": message, "hint": hint}]})
    else:
        err.print(f"error: {message}" + (f"\n  hint: {hint}" if hint else ""), markup=False, highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _allocate(kind: str, parent: str | None, pool: str | None, intent: Path, as_json: bool, *, purpose: str,
              count: int, length: int | None, dns_name: str | None, message: str | None) -> None:
    from netops.netbox.allocate import AllocationError, allocate

    option = "--within" if kind == "prefix" else "--prefix"
    if (parent is None) == (pool is None):
        _bad_input(f"give either {option} or --pool", f"e.g. {option} 10.20.0.0/16, or --pool ward", as_json)
    if pool is not None:
        parent = _pool_prefix(intent, pool, as_json)
    assert parent is not None
    client = _client(as_json)
    try:
        done = allocate(client, "prefix" if kind == "prefix" else "ip", parent, purpose=purpose, count=count,
                        length=length, dns_name=dns_name, message=message or f"netops allocate {kind}")
    except AllocationError as error:
        exit_for_error(error, as_json, code=EXIT_BAD_INPUT if error.bad_input else EXIT_FINDING)
    except NetBoxError as error:
        exit_for_error(error, as_json)
    if as_json:
        sys.stdout.write(json.dumps({"netbox": client.url, "allocations": [a.to_json() for a in done]},
                                    ensure_ascii=False, indent=2) + "\n")
        return
    for allocation in done:
        state = "allocated" if allocation.new else "already held"
        out.print(f"{allocation.value:<20} {state:<13} reserved in {allocation.parent} for {allocation.purpose}"
                  f"  {allocation.url}", markup=False, highlight=False)
    fresh = sum(1 for a in done if a.new)
    out.print(f"{fresh} allocated, {len(done) - fresh} already held, in {client.url}", markup=False,
              highlight=False)


def _register_allocate(app: typer.Typer) -> None:
    allocate_app = typer.Typer(help="Reserve prefixes or addresses in NetBox (available-prefixes/-ips), for what"
                                    " intent leaves to NetBox", no_args_is_help=True)
    app.add_typer(allocate_app, name="allocate")

    @allocate_app.command("prefix")
    def allocate_prefix(
        purpose: ForOption,
        length: Annotated[int, typer.Option("--length", "-l", min=1, max=32, help="Prefix length of each block")],
        within: Annotated[str | None, typer.Option("--within", help="The parent prefix (NetBox must hold it)")]
        = None,
        pool: PoolOption = None,
        count: CountOption = 1,
        intent: IntentOption = DEFAULT_INTENT_DIR,
        as_json: JsonOption = False,
        message: MessageOption = None,
    ) -> None:
        """The next free blocks of a prefix, reserved in NetBox in one request."""
        _allocate("prefix", within, pool, intent, as_json, purpose=purpose, count=count, length=length,
                  dns_name=None, message=message)

    @allocate_app.command("ip")
    def allocate_ip(
        purpose: ForOption,
        prefix: Annotated[str | None, typer.Option("--prefix", help="The prefix (NetBox must hold it)")] = None,
        pool: PoolOption = None,
        count: CountOption = 1,
        dns_name: Annotated[str | None, typer.Option("--dns-name", help="DNS name of the address")] = None,
        intent: IntentOption = DEFAULT_INTENT_DIR,
        as_json: JsonOption = False,
        message: MessageOption = None,
    ) -> None:
        """The next free addresses of a prefix, reserved in NetBox in one request."""
        _allocate("ip", prefix, pool, intent, as_json, purpose=purpose, count=count, length=None,
                  dns_name=dns_name, message=message)


def register(app: typer.Typer) -> None:
    """Mount ``netops plan``, ``netops apply``, ``netops drift`` and ``netops allocate``."""
    _register_allocate(app)
    # Imported here so that `netops --help` and the other commands do not pay for them.
    from netops.netbox import drift as drift_module
    from netops.netbox.apply import WRITE_WORKERS, ApplyOptions, ConflictError, apply_plan
    from netops.netbox.plan import Action, make_plan, render_lines, summary

    @app.command("plan")
    def plan_command(
        intent: IntentOption = DEFAULT_INTENT_DIR,
        as_json: JsonOption = False,
        prune: PruneOption = False,
        adopt: AdoptOption = False,
        show_all: Annotated[bool, typer.Option("--all", help="List unchanged objects too")] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every field of created objects")] = False,
        backend: BackendOption = Backend.GRAPHQL,
        unit: UnitOption = None,
        area: AreaOption = None,
        district: DistrictOption = None,
        site: SiteOption = None,
    ) -> None:
        """Show what `netops apply` would write to NetBox: each object to create, update or delete, each field.

        --unit, --area, --district and --site add up: the changes of the selected sites' objects and of the
        city-wide objects they need; --prune then deletes only objects of the selected sites."""
        # The intent's model, the records and the snapshot are large graphs of long-lived objects: a GC pass
        # walks them all and frees nothing (netops/gc_policy.py).
        with no_cyclic_gc(keep_frozen=True):
            client, desired, snapshot, sites = _desired_and_snapshot(intent, backend, as_json,
                                                                     scoping=(unit, area, district, site))
            plan = make_plan(desired, snapshot, adopt=adopt, prune=prune)
            scoped = _narrow(plan, desired, snapshot, sites)
            plan = scoped.plan if scoped is not None else plan
        if as_json:
            sys.stdout.write(json.dumps({"netbox": client.url, "prune": prune, "adopt": adopt,
                                         **_scope_json(scoped), **plan.to_json(include_unchanged=show_all)},
                                        ensure_ascii=False, indent=2) + "\n")
            return
        for line in render_lines(plan, include_unchanged=show_all, verbose=verbose):
            out.print(line, markup=False, highlight=False)
        for line in _scope_lines(scoped):
            out.print(line, markup=False, highlight=False)
        out.print(f"Plan for {client.url}: {summary(plan)}", markup=False, highlight=False)

    @app.command("apply")
    def apply_command(
        intent: IntentOption = DEFAULT_INTENT_DIR,
        as_json: JsonOption = False,
        check: Annotated[bool, typer.Option("--check", help="Plan only: show the changes, write nothing")] = False,
        prune: PruneOption = False,
        adopt: AdoptOption = False,
        message: Annotated[str | None, typer.Option(
            "--message", "-m", help="Change-log message of every write (default: the intent and its git commit)")]
        = None,
        chunk_size: Annotated[int, typer.Option(min=1, max=1000, help="Objects per write request")] = CHUNK_SIZE,
        workers: Annotated[int, typer.Option(min=1, max=16, help="Write requests in flight at once")]
        = WRITE_WORKERS,
        backend: BackendOption = Backend.GRAPHQL,
        yes: YesOption = False,
        unit: UnitOption = None,
        area: AreaOption = None,
        district: DistrictOption = None,
        site: SiteOption = None,
    ) -> None:
        """Write the plan to NetBox: only what differs, in dependency order, in chunked bulk requests, only to
        objects tagged netops-managed.

        With --prune the deletions are listed first and asked for on a terminal (--yes: without asking; not on a
        terminal, --yes is needed).

        --unit, --area, --district and --site: only the selected sites' objects and the city-wide objects they
        need (as `netops plan`)."""
        with no_cyclic_gc(keep_frozen=True):  # as for plan
            client, desired, snapshot, sites = _desired_and_snapshot(intent, backend, as_json, workers,
                                                                     scoping=(unit, area, district, site))
            plan = make_plan(desired, snapshot, adopt=adopt, prune=prune)
            scoped = _narrow(plan, desired, snapshot, sites)
            plan = scoped.plan if scoped is not None else plan
        if check:
            if as_json:
                sys.stdout.write(json.dumps({"netbox": client.url, "check": True, **_scope_json(scoped),
                                             **plan.to_json()}, ensure_ascii=False, indent=2) + "\n")
            else:
                for line in render_lines(plan):
                    out.print(line, markup=False, highlight=False)
                for line in _scope_lines(scoped):
                    out.print(line, markup=False, highlight=False)
                out.print(f"Check only, nothing written. Plan for {client.url}: {summary(plan)}", markup=False,
                          highlight=False)
            return
        if not as_json:
            for line in _scope_lines(scoped):
                err.print(line, markup=False, highlight=False)
            err.print(f"Plan for {client.url}: {summary(plan)}", markup=False, highlight=False)
        deletions = plan.of(Action.DELETE)
        if prune and deletions:
            confirm_or_exit("apply", f"delete {len(deletions)} objects from {client.url}",
                            [f"- {change.noun} {change.label}" for change in deletions], yes=yes, as_json=as_json)
        options = ApplyOptions(message=message or default_message(intent), prune=prune, adopt=adopt,
                               chunk_size=chunk_size, workers=workers)
        try:
            result = apply_plan(client, plan, snapshot, options, progress=_progress(as_json))
        except ConflictError as error:
            if as_json:
                out.print_json(data={"errors": [{"message": str(error)}],
                                     "conflicts": [change.to_json() for change in error.conflicts]})
            else:
                for change in error.conflicts:
                    err.print(f"! {change.noun} {change.label}: {change.note}", markup=False, highlight=False)
                err.print(f"error: {error}", markup=False, highlight=False)
            raise typer.Exit(EXIT_FINDING) from error
        except NetBoxError as error:
            exit_for_error(error, as_json)
        if as_json:
            sys.stdout.write(json.dumps({"netbox": client.url, **_scope_json(scoped), **result.to_json()},
                                        indent=2) + "\n")
            return
        kept = (f"; {result.kept} managed objects not in intent kept (--prune deletes them)" if result.kept else "")
        if result.protected:
            kept += (f"; {len(result.protected)} kept because objects netops does not delete depend on them"
                     " (listed above)")
        out.print(f"Applied to {client.url}: {result.created} created, {result.updated} updated, "
                  f"{result.deleted} deleted, {result.unchanged} already as intended{kept} "
                  f"({result.requests} write requests, {result.seconds:.1f} s)", markup=False, highlight=False)

    @app.command("drift")
    def drift_command(
        intent: IntentOption = DEFAULT_INTENT_DIR,
        as_json: JsonOption = False,
        backend: BackendOption = Backend.GRAPHQL,
        unit: UnitOption = None,
        area: AreaOption = None,
        district: DistrictOption = None,
        site: SiteOption = None,
    ) -> None:
        """What differs between intent and NetBox: fields edited in NetBox, managed objects missing or added, and
        who changed them (NetBox's change log). Exit 1 when there is drift.

        --unit, --area, --district and --site: only the selected sites' objects and the city-wide objects they
        use."""
        _, desired, sites = _intent_records(intent, as_json, (unit, area, district, site))
        client = _client(as_json)
        try:
            found = drift_module.detect_drift(client, desired, backend=backend, progress=_progress(as_json),
                                              sites=sites)
        except NetBoxError as error:
            exit_for_error(error, as_json)
        if as_json:
            sys.stdout.write(json.dumps({"netbox": client.url, "scope": None if sites is None else sorted(sites),
                                         **found.to_json()}, ensure_ascii=False, indent=2) + "\n")
        else:
            for line in drift_module.render_lines(found):
                out.print(line, markup=False, highlight=False)
            counts = found.counts()
            verdict = "drift" if found.drifted else "no drift"
            if sites is not None:
                verdict += f" in {len(sites)} sites ({', '.join(sorted(sites))})"
            out.print(f"{verdict} between {intent} and {client.url}: {counts['edited']} edited in NetBox, "
                      f"{counts['missing']} missing from NetBox, {counts['extra']} managed but not in intent, "
                      f"{counts['conflict']} not managed by netops", markup=False, highlight=False)
        if found.drifted:
            raise typer.Exit(EXIT_FINDING)
