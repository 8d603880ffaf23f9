"""A whole compliance run across the cores: each worker renders, reads and checks its own share of devices.

Rendering the intended configs, reading the backups and checking them are all per device, so a worker does
the three for its share and sends back only the results (a few findings per device), never the rendered
texts or the parsed trees. The parent loads and validates the model once and forks: every worker inherits
the model, the baseline and the waivers without pickling them.
"""

import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from citynet_models.types import Platform
from netops.compliance import cache
from netops.compliance.engine import ActualPart, Checker, DeviceInput, DeviceResult, check_device_unwaived, waive
from netops.compliance.sources import render_intended
from netops.compliance.tree import ConfigError
from netops.design import Design
from netops.gc_policy import frozen_for_fork
from netops.progress import Progress, quiet
from netops.render.engine import RenderFailure

#: Reads the actual configs of some devices (device -> part -> text); ConfigError for an unreadable one.
ActualReader = Callable[[Mapping[str, Platform]], dict[str, dict[str, ActualPart]]]

#: Below this many devices per worker, forking costs more than it saves.
_MIN_SHARE = 50
#: Shares each worker takes in turn: the progress count moves as each comes back.
_SHARES_PER_WORKER = 4


@dataclass
class RunOutcome:
    """Results of every device (sorted by name), unreadable configs, and what could not be rendered."""

    results: list[DeviceResult] = field(default_factory=list)
    errors: list[ConfigError] = field(default_factory=list)
    render_failures: list[RenderFailure] = field(default_factory=list)
    render_gaps: list[str] = field(default_factory=list)
    #: Every device's result before waivers, by cache key (what `--cache` keeps for the next run).
    unwaived: dict[str, DeviceResult] = field(default_factory=dict)
    #: Devices whose result came from the cache.
    cached: int = 0

    def add(self, other: "RunOutcome") -> None:
        """Merge another share's outcome into this one."""
        self.unwaived.update(other.unwaived)
        self.cached += other.cached
        self.results.extend(other.results)
        self.errors.extend(other.errors)
        self.render_failures.extend(other.render_failures)
        self.render_gaps.extend(other.render_gaps)


@dataclass(frozen=True)
class _Job:
    design: Design
    platforms: Mapping[str, Platform]
    read: ActualReader
    checker: Checker
    cached: Mapping[str, DeviceResult]
    shared_key: bytes | None  # None: no cache, no keys


def _share(job: _Job, names: Sequence[str]) -> RunOutcome:
    outcome = RunOutcome()
    intended = render_intended(job.design, names, workers=1)
    outcome.render_failures.extend(intended.failures)
    outcome.render_gaps.extend(intended.gaps)
    try:
        actual = job.read({name: job.platforms[name] for name in names})
    except ConfigError as error:
        outcome.errors.append(error)
        return outcome
    for name in names:
        if name not in intended.configs:
            continue  # not rendered: reported as a render failure or gap
        item = DeviceInput(name, intended.platforms[name], intended.configs[name], actual.get(name, {}))
        key = None if job.shared_key is None else cache.key(job.shared_key, item)
        unwaived = job.cached.get(key) if key is not None else None
        if unwaived is None:
            try:
                unwaived = check_device_unwaived(job.checker, item)
            except ConfigError as error:
                outcome.errors.append(error)
                continue
        else:
            outcome.cached += 1
        if key is not None:
            outcome.unwaived[key] = unwaived
        outcome.results.append(waive(job.checker, unwaived))
    return outcome


_job: _Job | None = None


def _run_share(names: Sequence[str]) -> RunOutcome:
    assert _job is not None, "forked without a job"
    return _share(_job, names)


def run_compliance(design: Design, platforms: Mapping[str, Platform],
                   read: ActualReader, checker: Checker, workers: int = 1,
                   cache_dir: Path | None = None, progress: Progress = quiet) -> RunOutcome:
    """Render (with the run's design), read and check every device of `platforms`; `workers` > 1 forks that many
    (where fork exists).

    Devices are dealt round-robin (sorted by name, so each share has a like mix of big and small configs).
    `cache_dir`: devices whose key is in the last run's results there are not checked again (netops.compliance
    .cache); the results of this run replace them. `progress` counts the devices checked as each share comes
    back (a worker takes a few shares in turn, so the count moves while they work).
    """
    global _job
    names = sorted(platforms)
    workers = max(1, min(workers, len(names) // _MIN_SHARE or 1))
    previous = cache.load(cache_dir) if cache_dir is not None else {}
    shared = cache.fingerprint(checker) if cache_dir is not None else None
    job = _Job(design, platforms, read, checker, previous, shared)
    with progress.task("checking compliance", total=len(names)) as task:
        if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
            outcome = _share(job, names)
            task.advance(len(names))
        else:
            # Each share renders with templates of its own: a few shares per worker, not one per device.
            count = workers * _SHARES_PER_WORKER
            _job = job
            try:
                with frozen_for_fork(), ProcessPoolExecutor(max_workers=workers,
                                                            mp_context=multiprocessing.get_context("fork")) as pool:
                    futures = {pool.submit(_run_share, names[start::count]): len(names[start::count])
                               for start in range(count) if names[start::count]}
                    for future in as_completed(futures):
                        task.advance(futures[future])
                    shares = [future.result() for future in futures]
            finally:
                _job = None
            outcome = RunOutcome()
            for share in shares:
                outcome.add(share)
    if cache_dir is not None and not outcome.errors:
        cache.save(cache_dir, outcome.unwaived)
    outcome.results.sort(key=lambda r: r.device)
    outcome.errors.sort(key=lambda e: (e.file, e.line))
    outcome.render_failures.sort(key=lambda f: f.device)
    outcome.render_gaps.sort()
    return outcome
