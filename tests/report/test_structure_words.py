"""Every heading, title and note of the planner report and of `netops analyze`'s text tables speaks the words of
the intent's structure: district and ward in a legacy intent, area and unit in a 2025 one. JSON keys stay the
same in both (docs/structure.md)."""

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from netops.pipeline import load_network
from netops.report.build import analyse, build_report
from netops.report.i18n import Lang
from tests.analysis.commands import run
from tests.conftest import LEGACY_SAMPLE, REPO


@dataclass(frozen=True)
class Words:
    intent: Path
    group: str
    unit: str
    #: words of the other structure, which no heading may use (a regular expression)
    wrong: str


STRUCTURES = {
    "legacy": Words(LEGACY_SAMPLE, "district", "ward", r"(?<!OSPF )areas?"),
    "2025": Words(REPO / "inventory" / "city", "area", "unit", r"districts?|wards?"),
}


class _Headings(HTMLParser):
    """The text a reader takes as labels: headings, table headers, notes, the counts and the footer; the pools
    table's note is left out (it lists pool names, which are data: `sites-ward`)."""

    LABELS = frozenset({"h1", "h2", "h3", "th", "footer", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.section = ""
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "br", "img", "line", "circle", "path", "polygon", "ellipse"):
            return
        attributes = dict(attrs)
        if tag == "section":
            self.section = attributes.get("id") or ""
        self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(tag == "svg" for tag, _ in self.stack):
            return
        labelled = any(tag in self.LABELS or (tag == "p" and a.get("class") == "note" and self.section != "pools")
                       or (tag == "ul" and a.get("class") == "counts") for tag, a in self.stack)
        if labelled and data.strip():
            self.texts.append(data.strip())


def _wrong(words: Words, texts: list[str]) -> list[str]:
    pattern = re.compile(rf"\b({words.wrong})\b", re.IGNORECASE)
    return [text for text in texts if pattern.search(text)]


@pytest.fixture(scope="module", params=sorted(STRUCTURES))
def structure(request: pytest.FixtureRequest) -> tuple[Words, dict[str, str]]:
    words = STRUCTURES[request.param]
    network = load_network(words.intent).network
    assert network.grouped_by == words.group and network.placed_in == words.unit
    return words, build_report(network, analyse(network), workers=1, lang=Lang.EN)


def test_html_labels(structure: tuple[Words, dict[str, str]]) -> None:
    words, files = structure
    pages = [name for name in files if name.endswith(".html")]
    assert len(pages) > 1
    for name in pages:
        parser = _Headings()
        parser.feed(files[name])
        assert parser.texts, name
        assert not _wrong(words, parser.texts), name
    index = _Headings()
    index.feed(files["index.html"])
    assert f"Rollout: sites per lifecycle status and {words.group}" in index.texts
    assert f"{words.group.capitalize()}s" in index.texts
    assert f"{words.group}s" in index.texts and f"{words.unit}s" in index.texts  # the counts


def test_markdown_and_csv_labels(structure: tuple[Words, dict[str, str]]) -> None:
    words, files = structure
    for name, text in files.items():
        if name.endswith(".md"):
            lines = text.splitlines()
            labels = [line for i, line in enumerate(lines)
                      if line.startswith("#") or (i + 1 < len(lines) and lines[i + 1].startswith("|---"))]
            labels.append(lines[2])  # the counts
            assert not _wrong(words, labels), name
        elif name.endswith(".csv"):
            header = text.splitlines()[0].split(",")
            assert not _wrong(words, header), name
    assert files["csv/rollout.csv"].startswith(f"{words.group},name,")
    assert files["csv/redundancy.csv"].startswith(f"{words.group},name,")
    assert files["csv/rollout-sites.csv"].startswith(f"site,{words.group},state,")
    assert files["csv/attachments.csv"].startswith(f"site,{words.group},{words.unit},kind,")
    assert files["csv/spof.csv"].startswith(f"element,kind,{words.group},")


@pytest.mark.parametrize("analysis", ["rollout", "redundancy", "what-if"])
@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_analyze_text_tables(name: str, analysis: str) -> None:
    words = STRUCTURES[name]
    code, stdout, stderr = run(["analyze", analysis, "--intent", str(words.intent)])
    assert code == 0, stderr
    assert not _wrong(words, stdout.splitlines())
    assert re.search(rf"\b{words.group}\b", stdout)


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_analyze_json_keys_are_the_same_in_both_structures(name: str) -> None:
    code, stdout, stderr = run(["analyze", "rollout", "--intent", str(STRUCTURES[name].intent), "--json"])
    assert code == 0, stderr
    report = json.loads(stdout)
    assert "districts" in report and "district" in report["sites"][0]


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_show_sites_places_in_the_intents_words(name: str) -> None:
    words = STRUCTURES[name]
    code, stdout, stderr = run(["show", "sites", "--intent", str(words.intent), "--json"])
    assert code == 0, stderr
    row = json.loads(stdout)[0]
    assert {words.group, words.unit} <= row.keys()
    assert not _wrong(words, list(row))
