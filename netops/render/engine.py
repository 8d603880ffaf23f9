"""Render devices: contexts, the capability gate, templates, in parallel across processes.

Every worker reads the one design of the run (`netops.design`, given in the job), and, per device, builds its
context, checks it against the capability table and renders only when nothing is missing. The
parent gathers everything before anything is written, so a capability gap or a template error
anywhere leaves every file as it was.
"""

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from jinja2 import Environment, TemplateNotFound

from citynet_models.devices import Device
from citynet_models.network import Network
from citynet_models.types import Platform
from netops.errors import NetopsError
from netops.gc_policy import frozen_for_fork, no_cyclic_gc
from netops.progress import Progress, Task, quiet
from netops.render.capabilities import CapabilityGap, capability_table, check
from netops.render.design import CityDesign, DeviceContext
from netops.render.environment import TemplateMissingError, get_template, make_environment, search_path
from netops.render.retarget import retarget


@dataclass(frozen=True)
class RenderFailure:
    """A template that is missing or raised while rendering a device (a bug, not bad input)."""

    device: str
    template: str
    message: str

    def __str__(self) -> str:
        return f"{self.device}: {self.message}"


class TemplateFailedError(NetopsError):
    """A template raised while rendering a device."""

    def __init__(self, device: str, template: str, detail: str) -> None:
        self.device = device
        self.template = template
        self.detail = detail
        super().__init__(f"template {template} failed: {detail}")


@dataclass(frozen=True)
class RenderedDevice:
    """The files of one device: output suffix -> text (empty outputs left out)."""

    device: str
    platform: Platform
    files: dict[str, str]


@dataclass
class RenderOutcome:
    """What rendering a set of devices produced."""

    rendered: list[RenderedDevice] = field(default_factory=list)
    gaps: list[CapabilityGap] = field(default_factory=list)
    failures: list[RenderFailure] = field(default_factory=list)


class PlatformRenderer(Protocol):
    """Renders one device's context into its files; one implementation per capability-table row.

    Example return of `render`, for an FRR access router::

        {"cfg": "frr version 8.4\\n...", "nft": "table inet netops\\n...", "sshd": "PermitRootLogin no\\n..."}
    """

    platform: Platform

    def render(self, context: DeviceContext) -> dict[str, str]:
        """Every non-empty output of the platform, by file suffix."""
        ...


class TemplateRenderer:
    """A platform whose outputs are the templates listed in the capability table."""

    def __init__(self, platform: Platform, environment: Environment) -> None:
        self.platform = platform
        self.environment = environment
        self.outputs = capability_table()[platform].outputs

    def render(self, context: DeviceContext) -> dict[str, str]:
        """Every non-empty output of the platform, by file suffix."""
        files: dict[str, str] = {}
        for suffix, name in self.outputs.items():
            template = get_template(self.environment, name, needed_by=f"{context.platform.value} output .{suffix}")
            try:
                text = template.render(device=context)
            except TemplateNotFound as error:  # an {% include %} or {% from %} inside the template
                raise TemplateMissingError(str(error.name or name), search_path(self.environment),
                                           needed_by=name) from error
            except Exception as error:
                raise TemplateFailedError(context.hostname, name, f"{error.__class__.__name__}: {error}") from error
            if text.strip():
                files[suffix] = text
        return files


def renderers(environment: Environment) -> dict[Platform, PlatformRenderer]:
    """One renderer per platform of the capability table."""
    return {platform: TemplateRenderer(platform, environment) for platform in capability_table()}


@dataclass(frozen=True)
class Job:
    """Everything a worker needs; pickled once per worker (or inherited through fork).

    `design`: the run's design (`netops.design.build_design`), the same value every other sink of the run reads.
    """

    design: CityDesign
    template_dirs: tuple[Path, ...]
    as_platform: Platform | None

    @property
    def network(self) -> Network:
        """The network the design is of."""
        return self.design.network


class _Worker:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.design = job.design
        self.renderers = renderers(make_environment(job.template_dirs))

    def run(self, names: Sequence[str]) -> RenderOutcome:
        with no_cyclic_gc():
            return self._run(names)

    def _run(self, names: Sequence[str]) -> RenderOutcome:
        outcome = RenderOutcome()
        for name in names:
            device: Device = self.job.network.device_by_name[name]
            if self.job.as_platform is not None:
                device = retarget(device, self.job.as_platform)
            context = self.design.context(device)
            gaps = check(context)
            if gaps:
                outcome.gaps.extend(gaps)
                continue
            try:
                files = self.renderers[device.platform].render(context)
            except TemplateMissingError as error:
                outcome.failures.append(RenderFailure(name, error.template, str(error)))
                continue
            except TemplateFailedError as error:
                outcome.failures.append(RenderFailure(name, error.template, str(error)))
                continue
            outcome.rendered.append(RenderedDevice(name, device.platform, files))
        return outcome


_worker: _Worker | None = None


def _init_worker(job: Job | None = None) -> None:
    global _worker
    if job is not None:  # spawned: build the worker from the pickled job
        _worker = _Worker(job)
    # forked: the worker built and warmed up in the parent is inherited as it is


def _run_batch(names: Sequence[str]) -> RenderOutcome:
    assert _worker is not None
    return _worker.run(names)


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


#: Devices rendered between two progress counts when rendering in this process.
_STEP = 25


def render_devices(job: Job, names: Iterable[str], workers: int | None = None,
                   start_method: str | None = None, progress: Progress = quiet) -> RenderOutcome:
    """Render the named devices; `workers` 1 renders in this process, more in a process pool.

    Devices are dealt to workers in interleaved batches so each worker gets a like mix of big
    (core, aggregation) and small (access) configs. `start_method` forces a multiprocessing start method
    (default: fork where the platform has it, else spawn, which pickles the job once per worker). `progress`
    counts the devices rendered as each batch comes back.
    """
    ordered = sorted(names)
    workers = default_workers() if workers is None else workers
    workers = max(1, min(workers, len(ordered) or 1))
    with progress.task("rendering", total=len(ordered)) as task:
        if workers == 1:
            outcome = RenderOutcome()
            worker = _Worker(job)
            with no_cyclic_gc():
                for start in range(0, len(ordered), _STEP):
                    _merge(outcome, worker.run(ordered[start:start + _STEP]))
                    task.advance(len(ordered[start:start + _STEP]))
        else:
            outcome = _render_in_pool(job, ordered, workers, start_method, task)
    outcome.rendered.sort(key=lambda r: r.device)
    outcome.gaps.sort(key=lambda g: (g.device, g.feature))
    return outcome


def _merge(outcome: RenderOutcome, part: RenderOutcome) -> None:
    outcome.rendered.extend(part.rendered)
    outcome.gaps.extend(part.gaps)
    outcome.failures.extend(part.failures)


def _render_in_pool(job: Job, ordered: list[str], workers: int, start_method: str | None,
                    task: Task) -> RenderOutcome:
    global _worker
    batches = [ordered[start::workers * 4] for start in range(workers * 4)]
    # fork hands the workers the parent's Network without pickling it; elsewhere it is pickled once per worker.
    method = start_method or ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    forking = method == "fork"
    context = multiprocessing.get_context(method)
    if forking:
        # Compile the templates and the city-wide caches once, before forking: every worker inherits them.
        _worker = _Worker(job)
        _worker.run(ordered[:1])
    try:
        with frozen_for_fork(), ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                                    initializer=_init_worker,
                                                    initargs=() if forking else (job,)) as pool:
            futures = {pool.submit(_run_batch, batch): len(batch) for batch in batches if batch}
            for future in as_completed(futures):
                task.advance(futures[future])
            parts = [future.result() for future in futures]  # in the batches' order: failures stay in order
    finally:
        _worker = None
    outcome = RenderOutcome()
    for part in parts:
        _merge(outcome, part)
    return outcome
