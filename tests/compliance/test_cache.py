"""`--cache`: an unchanged device's result is reused, any change to its configs checks it again, waivers and
their expiry apply afresh to reused results, and a cache that cannot be read is ignored."""

from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

from netops.compliance import cache
from netops.compliance.run import RunOutcome, run_compliance
from netops.compliance.sources import read_backups
from tests.compliance.helpers import checker, design, network, rendered


def _backups(folder: Path) -> Path:
    city = rendered(None)
    for device, parts in city.configs.items():
        for part, text in parts.items():
            path = folder / city.platforms[device].value / f"{device}.{part}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return folder


def _run(backups: Path, cache_dir: Path | None, today: date | None = None) -> RunOutcome:
    platforms = {d.name: d.platform for d in network().devices}
    judge = checker() if today is None else replace(checker(), today=today)
    return run_compliance(design(), platforms, partial(read_backups, backups), judge, 1, cache_dir)


def _summary(outcome: RunOutcome) -> list[tuple[str, bool, list[tuple[str, str, bool]]]]:
    return [(r.device, r.compliant, [(f.rule, f.section, f.failing) for f in r.findings]) for r in outcome.results]


def test_unchanged_devices_come_from_the_cache(tmp_path: Path) -> None:
    backups, store = _backups(tmp_path / "backups"), tmp_path / "cache"
    cold = _run(backups, store)
    assert cold.cached == 0 and cold.results and all(r.compliant for r in cold.results)
    warm = _run(backups, store)
    assert warm.cached == len(warm.results) and _summary(warm) == _summary(cold)


def test_a_changed_config_is_checked_again(tmp_path: Path) -> None:
    backups, store = _backups(tmp_path / "backups"), tmp_path / "cache"
    _run(backups, store)
    path = backups / "frr" / "ubnd-phuong-phuc-xa-r01.cfg"
    path.write_text(path.read_text(encoding="utf-8").replace(" ip ospf cost 1000", " ip ospf cost 7", 1),
                    encoding="utf-8")
    again = _run(backups, store)
    assert again.cached == len(again.results) - 1
    drifted = next(r for r in again.results if r.device == "ubnd-phuong-phuc-xa-r01")
    assert not drifted.compliant and [f.section for f in drifted.findings if f.failing] == ["interface eth1"]


def test_waivers_apply_afresh_to_cached_results(tmp_path: Path) -> None:
    """The tests' BGP waivers expire on 2027-03-31: a reused result's waived finding fails from that day on."""
    backups, store = _backups(tmp_path / "backups"), tmp_path / "cache"
    path = backups / "frr" / "ba-dinh-agg-01.cfg"
    path.write_text(path.read_text(encoding="utf-8").replace(" neighbor RR password $NETOPS_SECRET{bgp_key}\n", ""),
                    encoding="utf-8")

    def bgp(outcome: RunOutcome) -> list[bool]:
        core = next(r for r in outcome.results if r.device == "ba-dinh-agg-01")
        return [f.failing for f in core.findings if f.rule == "FRR-BGP-001"]

    assert bgp(_run(backups, store)) == [False]  # waived
    later = _run(backups, store, today=date(2027, 3, 31))
    assert later.cached == len(later.results)
    assert bgp(later) == [True]


def test_an_unreadable_cache_is_ignored(tmp_path: Path) -> None:
    backups, store = _backups(tmp_path / "backups"), tmp_path / "cache"
    store.mkdir()
    (store / cache.FILE).write_bytes(b"not a pickle")
    outcome = _run(backups, store)
    assert outcome.cached == 0 and all(r.compliant for r in outcome.results)
    assert cache.load(store)  # replaced by this run's results
