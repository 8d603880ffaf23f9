"""The report's two languages: catalogs in step, every enum the report shows in words in both, numbers and dates
written each language's way, and no raw enum value (``party_agency``) in the text of any page or report.md."""

import re
import string
import typing
from datetime import UTC, datetime
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path

import pytest

from citynet_models.design_rules import DesignRule
from citynet_models.policy import PolicyRule
from citynet_models.types import DeviceRole, LanRole, LifecycleStatus, Media, Redundancy, SiteKind
from citynet_models.units import UnitKind
from netops.analysis import policy as policy_analysis
from netops.monitoring.state import MonitoringState, SiteState, Status
from netops.pipeline import load_network
from netops.report.build import analyse, build_report
from netops.report.catalog import EN, VI
from netops.report.i18n import CATALOGS, Lang, Words
from tests.conftest import LEGACY_SAMPLE, REPO


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_catalogs_have_the_same_keys_and_placeholders() -> None:
    assert sorted(set(EN) - set(VI)) == [] and sorted(set(VI) - set(EN)) == []
    assert {key: _placeholders(EN[key]) for key in EN} == {key: _placeholders(VI[key]) for key in VI}
    assert set(CATALOGS) == set(Lang)


def _rule_kinds() -> list[str]:
    union = typing.get_args(PolicyRule)[0]
    return [typing.get_args(rule.model_fields["kind"].annotation)[0] for rule in typing.get_args(union)]


def _design_rule_kinds() -> list[str]:
    union = typing.get_args(DesignRule)[0]
    return [typing.get_args(rule.model_fields["kind"].annotation)[0] for rule in typing.get_args(union)]


def _contradiction_kinds() -> list[str]:
    # Read from the analysis itself, so a new kind of contradiction without words fails here.
    source = Path(policy_analysis.__file__).read_text(encoding="utf-8")
    kinds = sorted(set(re.findall(r'contradiction\(\s*"([a-z-]+)"', source)))
    assert len(kinds) >= 6
    return kinds


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


#: Every enum whose values the report shows, by the domain of the catalog that puts them in words.
SHOWN: dict[str, list[str]] = {
    "kind": _values(SiteKind),
    "status": _values(LifecycleStatus),
    "redundancy": [*_values(Redundancy), "hub"],
    "role": _values(LanRole),
    "device_role": _values(DeviceRole),
    "unit_kind": _values(UnitKind),
    "media": _values(Media),
    "monitoring": _values(Status),
    "rule": _rule_kinds(),
    "contradiction": _contradiction_kinds(),
    "element": ["router", "link", "scenario"],
    "design_rule": _design_rule_kinds(),
    "design_status": ["pass", "accepted", "fail"],
    "subject": ["router", "link", "site", "lan", "device"],
    "management": ["allowed", "denied", "not allowed"],
    "answer": ["yes", "no", "unknown"],
}


@pytest.mark.parametrize("lang", list(Lang))
def test_every_enum_the_report_shows_has_words(lang: Lang) -> None:
    words = Words(lang)
    for domain, values in SHOWN.items():
        for value in values:
            shown = words.value(domain, value)
            assert shown and (shown != value or "_" not in value), (domain, value, shown)
    # and the catalog has no word for a value that no longer exists
    known = {f"{domain}.{value}" for domain, values in SHOWN.items() for value in values}
    assert {key for key in words.catalog if key.split(".")[0] in SHOWN} == known


def test_numbers_and_dates_each_language_its_way() -> None:
    vi, en = Words(Lang.VI), Words(Lang.EN)
    assert vi.number(1234567) == "1.234.567" and en.number(1234567) == "1,234,567"
    assert vi.number(1234.5, 1) == "1.234,5" and en.number(1234.5, 1) == "1,234.5"
    assert vi.number(0.0, 1) == "0,0" and vi.number(12) == "12"
    when = datetime(2026, 3, 4, 8, 5, tzinfo=UTC)
    assert vi.date(when) == "04/03/2026 08:05 UTC" and en.date(when) == "2026-03-04 08:05 UTC"
    assert vi.iso_date("2026-03-04T08:05:00Z") == "04/03/2026 08:05 UTC" and vi.iso_date(None) == ""


class _Text(HTMLParser):
    """The text a reader sees: everything but styles, scripts, the graphviz diagrams (names of devices) and the
    cells of names people wrote (``td class="id"``)."""

    SKIP = frozenset({"style", "script", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.texts: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang") or ""
        if tag in ("meta", "br", "img", "line", "circle", "path", "polygon", "ellipse", "rect", "polyline"):
            return
        self.stack.append((tag, attributes.get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        if all(open_tag != tag for open_tag, _ in self.stack):
            return  # the end of an element never pushed (void or self-closed)
        while self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        inside = {tag for tag, _ in self.stack}
        if inside & self.SKIP or any(tag == "div" and css == "diagram" for tag, css in self.stack):
            return
        if any(tag == "td" and css == "id" for tag, css in self.stack) or not data.strip():
            return
        self.texts.append(data.strip())


def _markdown_text(text: str) -> str:
    text = re.sub(r"`[^`]*`", "", text)  # names people wrote
    return re.sub(r"\]\([^)]*\)", "]", text)  # link and image targets


_RAW = sorted({value for values in SHOWN.values() for value in values if re.search(r"[_-]", value)}, key=len,
              reverse=True)
#: English words of the catalog's enum values a Vietnamese page must not show (where the two languages differ).
_ENGLISH = sorted({EN[key] for key in EN if key.split(".")[0] in SHOWN and EN[key] != VI[key]
                   and len(EN[key]) > 3}, key=len, reverse=True)


@pytest.fixture(scope="module", params=["2025", "legacy"])
def intent(request: pytest.FixtureRequest) -> Path:
    return {"2025": REPO / "inventory" / "city", "legacy": LEGACY_SAMPLE}[str(request.param)]


@pytest.mark.parametrize("lang", list(Lang))
def test_no_raw_enum_value_in_the_text(intent: Path, lang: Lang) -> None:
    network = load_network(intent).network
    # A monitoring state adds its badges and columns: every site unknown but one cut off and one degraded.
    slugs = [site.slug for site in network.sites]
    state = MonitoringState("http://127.0.0.1:9090", datetime(2026, 3, 4, 8, 5, tzinfo=UTC),
                            {slugs[0]: SiteState(slugs[0], reachable=False),
                             slugs[1]: SiteState(slugs[1], reachable=True, devices_down=("x-r01",))})
    data = analyse(network)
    files = build_report(network, data, workers=1, monitoring=state, lang=lang)
    # The pools note names the pools (data, as people named them: `management`), which may match a word.
    pools = re.compile("|".join(rf"\b{re.escape(pool.name)}\b" for pool in data.addresses.pools))
    raw = re.compile(r"(?<![\w/-])(" + "|".join(re.escape(v) for v in _RAW) + r")(?![\w-])")
    english = re.compile(r"(?<![\w/-])(" + "|".join(re.escape(v) for v in _ENGLISH) + r")(?![\w-])")
    checked = 0
    for name, content in sorted(files.items()):
        if name.endswith(".html"):
            parser = _Text()
            parser.feed(content)
            assert parser.lang == lang.value, name
            texts = parser.texts
        elif name.endswith(".md"):
            texts = [_markdown_text(content)]
        else:
            continue
        texts = [pools.sub("", text) for text in texts]
        checked += 1
        found = [match.group(1) for text in texts for match in raw.finditer(text)]
        assert not found, f"{name}: raw enum values {sorted(set(found))}"
        if lang is Lang.VI:
            found = [match.group(1) for text in texts for match in english.finditer(text)]
            assert not found, f"{name}: English words {sorted(set(found))}"
    assert checked >= 4


@pytest.mark.parametrize(("lang", "shown"), [(Lang.VI, "Xã Đông Anh (00454)"), (Lang.EN, "Đông Anh, commune (00454)")])
def test_a_sites_unit_is_named_with_its_kind(lang: Lang, shown: str) -> None:
    """The official name says the kind in Vietnamese (Xã, Phường...); English says it after the name."""
    network = load_network(REPO / "inventory" / "city").network
    files = build_report(network, analyse(network), workers=1, lang=lang)
    page = next(text for name, text in files.items() if name.startswith("districts/017-") and name.endswith(".md"))
    assert f"| {shown} |" in page
    assert ",017,00454,planned," in files["csv/sites.csv"]  # the CSV keeps the code
