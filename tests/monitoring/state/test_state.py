"""The monitoring state read from Prometheus' HTTP API, on recorded answers replayed over HTTP on loopback.

A case of recorded/ holds `answers/<name>.json`: a real Prometheus' answers (tests/monitoring/live.py,
record_answers) to the state's requests, named after netops.monitoring.state.QUERIES and `alerts`; and
`expected.json`, the state read from them (`pytest --update-goldens` rewrites it). area-001-firing was recorded once
the alerts fired (tests/monitoring/test_state_live.py records it again, and its expected.json, under
--update-goldens), area-001-pending before they had held for their `for:`.

A case of invalid/ holds `args` (netops arguments; `{url}` is the replaying server's URL, `{out}` a folder in the
test's temporary folder), `exit-code`, `expected-errors.txt` (stderr, with `{url}` for the URL) and optionally
`answers/`: `<name>.json` or `<name>.html` answered with HTTP 200, or the status in `<name>.status`; a request with
no answer gets Prometheus' 404. A case without answers/ has nothing listening at its URL.
"""

import http.client
import shlex
from pathlib import Path

import pytest

from netops.errors import InputError
from netops.monitoring.state import (
    FiringAlert,
    MonitoringState,
    PrometheusClient,
    PrometheusUnreachableError,
    Sample,
    SiteState,
    Status,
    checked_url,
    parse_vector,
    read_state,
    site_states,
)
from tests.conftest import REPO, case_folders
from tests.monitoring.state.replay import AT, replaying, state_json
from tests.output_tree import netops_in_process, tree

HERE = Path(__file__).parent
RECORDED = case_folders(HERE / "recorded")
INVALID = case_folders(HERE / "invalid")


@pytest.mark.parametrize("case", RECORDED, ids=lambda p: p.name)
def test_state_from_recorded_answers(case: Path, golden) -> None:  # type: ignore[no-untyped-def]
    golden(case / "expected.json", state_json(case / "answers"))


def test_recorded_states_differ_where_the_alerts_do() -> None:
    """Pending alerts are not firing: the same up and probe answers give the same statuses, alerts only once
    they fire."""
    with replaying(HERE / "recorded" / "area-001-pending" / "answers") as url:
        pending = read_state(url, AT)
    with replaying(HERE / "recorded" / "area-001-firing" / "answers") as url:
        firing = read_state(url, AT)
    assert {s: v.status for s, v in pending.sites.items()} == {s: v.status for s, v in firing.sites.items()}
    assert not any(site.alerts for site in pending.sites.values())
    assert {a.name for a in firing.of("ubnd-phuong-kim-ma").alerts} == {"NetopsSiteCutOff", "NetopsDeviceDown"}


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_prometheus(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], golden,  # type: ignore[no-untyped-def]
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "out"
    before = tree(tmp_path)
    answers = case / "answers"
    with replaying(answers if answers.is_dir() else None) as url:
        args = shlex.split((case / "args").read_text(encoding="utf-8").replace("{url}", url)
                           .replace("{out}", str(out)))
        done = netops_in_process(capsys, *args)
    assert done.returncode == int((case / "exit-code").read_text()), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    text = done.stderr + (done.stdout if "--json" in args else "")
    golden(case / "expected-errors.txt", text.replace(url, "{url}"))
    assert tree(tmp_path) == before, "a refused command wrote something"


# --- the logic, on answers made up for each rule --------------------------------------------------------------


def _sample(value: float, **labels: str) -> Sample:
    return Sample(labels, value)


def test_a_site_is_cut_off_only_when_no_probe_answers() -> None:
    probes = [_sample(0, site="a", probe="loopback"), _sample(1, site="a", probe="gateway", lan="staff"),
              _sample(0, site="b", probe="loopback"), _sample(0, site="b", probe="gateway", lan="staff")]
    states = site_states([], probes, [])
    assert states["a"].status is Status.UP and states["a"].reachable is True
    assert states["b"].status is Status.CUT_OFF and states["b"].gateways_down == ("staff",)


def test_a_device_or_gateway_down_degrades_a_reachable_site() -> None:
    up = [_sample(1, job="snmp", site="a", device="a-r01"), _sample(0, job="snmp", site="a", device="a-r02")]
    probes = [_sample(1, site="a", probe="loopback")]
    state = site_states(up, probes, [])["a"]
    assert state.status is Status.DEGRADED and state.devices_down == ("a-r02",)
    assert state.device_up("a-r01") is True and state.device_up("a-r02") is False and state.device_up("x") is None


def test_a_site_without_series_is_unknown_never_up() -> None:
    state = MonitoringState("http://nms:9090", AT).of("nowhere")
    assert state.status is Status.UNKNOWN and state.reaches_dc == "unknown"
    # The probes' `up` alone (blackbox_exporter down: no probe_success) says nothing of the site.
    assert site_states([_sample(0, job="icmp", site="a", instance="a-r01")], [], []) == {}


def test_only_firing_alerts_with_a_site_count() -> None:
    alerts = [
        {"labels": {"alertname": "NetopsBgpSessionDown", "severity": "warning", "site": "a"}, "state": "firing",
         "annotations": {"summary": "one"}, "activeAt": "t"},
        {"labels": {"alertname": "NetopsBgpSessionDown", "severity": "warning", "site": "a"}, "state": "firing",
         "annotations": {"summary": "two"}, "activeAt": "t"},
        {"labels": {"alertname": "NetopsSiteCutOff", "severity": "critical", "site": "a"}, "state": "firing"},
        {"labels": {"alertname": "NetopsDeviceDown", "severity": "critical", "site": "a"}, "state": "pending"},
        {"labels": {"alertname": "NetopsServiceUnreachable", "severity": "critical"}, "state": "firing"},
    ]
    state = site_states([], [], alerts)["a"]
    assert state.alert_names() == ["NetopsSiteCutOff (critical)", "NetopsBgpSessionDown (warning) ×2"]
    assert FiringAlert("NetopsSiteCutOff", "critical", "", "") in state.alerts


@pytest.mark.parametrize("data", [None, [], {"resultType": "matrix", "result": []},
                                  {"resultType": "vector", "result": [{"metric": {}, "value": [1]}]},
                                  {"resultType": "vector", "result": [{"metric": [], "value": [1, "1"]}]},
                                  {"resultType": "vector", "result": [{"metric": {}, "value": [1, "up"]}]}])
def test_what_is_not_an_instant_vector_is_refused(data: object) -> None:
    with pytest.raises(InputError) as refused:
        parse_vector(data, "http://nms:9090")
    assert "other than Prometheus' API" in refused.value.problems[0].message


@pytest.mark.parametrize("url", ["nms:9090", "ftp://nms", "http://", "http://nms:0x1", "http://nms:9090/?q=1"])
def test_a_url_that_is_not_one_is_bad_input(url: str) -> None:
    with pytest.raises(InputError):
        checked_url(url)
    assert checked_url("http://nms.hanoi.gov.vn:9090/prometheus/") == "http://nms.hanoi.gov.vn:9090/prometheus"


def test_a_fetch_that_fails_is_unreachable_not_a_traceback() -> None:
    def refused(url: str) -> tuple[int, str, bytes]:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(PrometheusUnreachableError) as failed:
        PrometheusClient("http://127.0.0.1:9", refused).query("up", AT)
    assert failed.value.exit_code == 3 and "Connection refused" in str(failed.value)


def test_a_server_that_does_not_speak_http_is_bad_input() -> None:
    def garbage(url: str) -> tuple[int, str, bytes]:
        raise http.client.BadStatusLine("SSH-2.0-OpenSSH_9.2p1")

    with pytest.raises(InputError) as refused:
        PrometheusClient("http://127.0.0.1:22", garbage).query("up", AT)
    assert "does not answer in HTTP" in refused.value.problems[0].message


def test_every_state_answers_every_site_row() -> None:
    """The columns a row gets are the same for every status (CSV needs one header)."""
    states = [SiteState("a"), SiteState("b", reachable=False), SiteState("c", devices_up=("c-r01",))]
    assert len({tuple(state.columns()) for state in states}) == 1
