"""`netops query` and `netops report` with --prometheus against a real Prometheus and blackbox_exporter on loopback
(tests/monitoring/live.py), scraping the sample city's area 001 with the failures of live.SCENARIO.

Expected: Kim Mã cut off (no probe answers; NetopsSiteCutOff and NetopsDeviceDown fire), Phúc Xá degraded (its
camera LAN's gateway does not answer), the Ba Đình hub degraded (agg-02 does not answer SNMP, its loopback pings:
no NetopsDeviceDown), the other sites of the area up, every site outside the area unknown.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.monitoring.live import SCENARIO, LivePrometheus, record_answers, start_prometheus
from tests.monitoring.state.replay import state_json
from tests.output_tree import netops_in_process

AREA_SITES = {"ubnd-quan-ba-dinh", "dang-uy-phuong-phuc-xa", "ubnd-phuong-giang-vo", "ubnd-phuong-kim-ma",
              "ubnd-phuong-phuc-xa", "ubnd-phuong-truc-bach", "uy-ban-mttq-phuong-kim-ma"}
EXPECTED = {"ubnd-phuong-kim-ma": "cut off", "ubnd-phuong-phuc-xa": "degraded", "ubnd-quan-ba-dinh": "degraded"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePrometheus]:
    """Prometheus with every target scraped and the cut-off site's alerts firing."""
    running = start_prometheus(tmp_path_factory.mktemp("prometheus"))
    prometheus = next(running)

    def firing() -> bool:
        alerts = prometheus.api("/api/v1/alerts")["alerts"]
        names = {a["labels"]["alertname"] for a in alerts
                 if a["state"] == "firing" and a["labels"].get("site") == "ubnd-phuong-kim-ma"}
        return {"NetopsSiteCutOff", "NetopsDeviceDown"} <= names

    prometheus.wait_for("the cut-off site's alerts firing", firing)
    yield prometheus
    for _ in running:
        pass


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_query_sites_shows_each_sites_state(live: LivePrometheus, capsys: pytest.CaptureFixture[str],
                                            in_repo: None, request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--update-goldens"):
        # The recorded answers tests/monitoring/state/ replays, from this Prometheus once the alerts fire, and the
        # state read from them (both rewritten together: the golden always matches the answers beside it).
        case = REPO / "tests" / "monitoring" / "state" / "recorded" / "area-001-firing"
        record_answers(live, case / "answers")
        (case / "expected.json").write_text(state_json(case / "answers"), encoding="utf-8")
    done = netops_in_process(capsys, "query", "sites", "--prometheus", live.url, "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["monitoring"]["prometheus"] == live.url
    rows = {row["slug"]: row for row in answer["rows"]}
    assert {slug: row["monitoring"] for slug, row in rows.items() if slug in AREA_SITES} == {
        slug: EXPECTED.get(slug, "up") for slug in AREA_SITES}
    assert {row["monitoring"] for slug, row in rows.items() if slug not in AREA_SITES} == {"unknown"}
    cut = rows["ubnd-phuong-kim-ma"]
    assert cut["reaches_dc"] == "no" and cut["devices_down"] == "ubnd-phuong-kim-ma-r01"
    assert cut["gateways_down"] == "camera, management, one_stop_shop, staff"
    assert "NetopsSiteCutOff (critical)" in cut["alerts"] and "NetopsDeviceDown (critical)" in cut["alerts"]
    assert rows["ubnd-phuong-phuc-xa"]["gateways_down"] == "camera"
    assert rows["ubnd-phuong-phuc-xa"]["reaches_dc"] == "yes"
    hub = rows["ubnd-quan-ba-dinh"]
    assert hub["devices_down"] == "ba-dinh-agg-02" and "NetopsDeviceDown" not in hub["alerts"]


def test_query_devices_shows_each_devices_snmp_answer(live: LivePrometheus, capsys: pytest.CaptureFixture[str],
                                                      in_repo: None) -> None:
    done = netops_in_process(capsys, "query", "devices", "--area", "001", "--prometheus", live.url, "-f", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 8
    assert {row["name"]: row["snmp"] for row in rows} == {
        row["name"]: "down" if row["name"] in SCENARIO["devices_down"] else "up" for row in rows}
    table = netops_in_process(capsys, "query", "sites", "--area", "001", "--prometheus", live.url)
    assert table.returncode == 0, table.stderr
    assert re.search(rf"monitoring from {re.escape(live.url)} at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
                     table.stdout)


def test_report_shows_each_sites_state(live: LivePrometheus, capsys: pytest.CaptureFixture[str], in_repo: None,
                                       tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = netops_in_process(capsys, "report", "--out", str(out), "--prometheus", live.url, "--lang", "en")
    assert done.returncode == 0, done.stderr
    states = {row["site"]: row for row in csv.DictReader((out / "csv" / "monitoring.csv").open(encoding="utf-8"))}
    assert {slug: states[slug]["monitoring"] for slug in AREA_SITES} == {
        slug: EXPECTED.get(slug, "up") for slug in AREA_SITES}
    index = (out / "index.html").read_text(encoding="utf-8")
    overview = index.split('id="monitoring"')[1].split("</section>")[0]
    assert f"Read from Prometheus at {live.url} at " in overview
    assert '<td class="id">ubnd-phuong-kim-ma</td><td>UBND phường Ngọc Hà</td>' \
           '<td><span class="badge mon-cut-off">cut off' in overview
    assert overview.count('class="badge mon-degraded"') == 2 and "mon-up" not in overview
    page = next((out / "districts").glob("001-*.html")).read_text(encoding="utf-8")
    sites = page.split('id="sites"')[1].split("</section>")[0]
    assert sites.count('class="badge mon-up"') == 4 and sites.count('class="badge mon-cut-off"') == 1
    assert f"Monitoring read from Prometheus at {live.url}" in sites


def test_an_exporter_is_not_prometheus(live: LivePrometheus, capsys: pytest.CaptureFixture[str],
                                       in_repo: None) -> None:
    """A real HTTP server that is not Prometheus (the blackbox_exporter beside it): bad input, exit 2."""
    config = (live.export / "prometheus.yml").read_text(encoding="utf-8")
    exporter = re.search(r"replacement: (127\.0\.0\.1:\d+)", config)
    assert exporter is not None
    done = netops_in_process(capsys, "query", "sites", "--prometheus", f"http://{exporter[1]}")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "does not answer as Prometheus' HTTP API" in done.stderr and "Traceback" not in done.stderr
