"""`netops report`: files written atomically and idempotently, only local references, and the page checked
in a real headless Chromium (DOM dump and screenshots)."""

import csv
import hashlib
import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.analysis.commands import run
from tests.conftest import TESTS, materialize_overlay
from tests.report.chromium import chromium, label_boxes

CASES = TESTS / "report" / "cases"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("report") / "out"
    code, _, stderr = run(["report", "--out", str(output)])
    assert code == 0, stderr
    return output


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "xlink:href") and value is not None:
                self.references.append(value)
            if name == "id" and value is not None:
                self.ids.add(value)


def test_files(report: Path) -> None:
    names = {p.relative_to(report).as_posix() for p in report.rglob("*") if p.is_file()}
    assert {"index.html", "report.md", "topology.svg", "map.svg", "csv/sites.csv", "csv/spof.csv",
            "csv/policy-lans.csv", "csv/pools.csv", "csv/rollout.csv", "csv/redundancy.csv"} <= names
    # a page per aggregation area of the 2025 sample (areas/*.yml)
    for district in ("001-cum-ba-dinh", "002-cum-hoan-kiem", "017-cum-dong-anh"):
        assert {f"districts/{district}.{ext}" for ext in ("html", "md", "svg")} <= names
    assert not [n for n in names if ("/." in n or n.startswith(".")) and n != ".netops-manifest.json"], \
        "temporary files left behind"


def test_without_prometheus_no_monitoring_is_shown(report: Path) -> None:
    """The monitoring state (`--prometheus`, tests/monitoring/test_state_live.py) adds nothing to a report
    made without it: no table, badge, style or CSV."""
    assert not (report / "csv" / "monitoring.csv").exists()
    for page in (report / "index.html", *sorted((report / "districts").glob("*.html"))):
        text = page.read_text(encoding="utf-8")
        assert 'id="monitoring"' not in text and "badge" not in text and ".mon-" not in text, page.name


def test_rerun_changes_nothing(report: Path) -> None:
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in report.rglob("*") if p.is_file()}
    code, _, stderr = run(["report", "--out", str(report)])
    assert code == 0 and "0 written" in stderr
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in report.rglob("*") if p.is_file()} == before


def test_stale_district_pages_go_and_other_files_stay(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert run(["report", "--out", str(output)])[0] == 0
    # An earlier report had a district that is gone now: its page is listed in the manifest, unchanged since.
    manifest = json.loads((output / ".netops-manifest.json").read_text())
    (output / "districts" / "999-gone.html").write_text("old")
    manifest["files"]["districts/999-gone.html"] = hashlib.sha256(b"old").hexdigest()
    (output / ".netops-manifest.json").write_text(json.dumps(manifest))
    (output / "notes.txt").write_text("mine")
    code, _, stderr = run(["report", "--out", str(output)])
    assert code == 0 and "1 stale removed" in stderr, stderr
    assert not (output / "districts" / "999-gone.html").exists()
    assert (output / "notes.txt").read_text() == "mine"


def test_a_folder_report_did_not_write_is_refused_unless_forced(tmp_path: Path) -> None:
    output = tmp_path / "out"
    (output / "districts").mkdir(parents=True)
    (output / "districts" / "999-gone.html").write_text("old")
    (output / "index.html").write_text("my own page")
    code, _, stderr = run(["report", "--out", str(output)])
    assert code == 2 and "is not empty and `netops report` did not write it" in stderr
    assert "districts/999-gone.html" in stderr and "index.html" in stderr and "--force" in stderr
    assert sorted(p.name for p in output.rglob("*")) == ["999-gone.html", "districts", "index.html"]
    assert (output / "index.html").read_text() == "my own page"
    code, _, stderr = run(["report", "--out", str(output), "--force"])
    assert code == 0, stderr
    assert (output / "districts" / "999-gone.html").read_text() == "old", "--force never removes a stranger"
    assert (output / "index.html").read_text().startswith("<!DOCTYPE html>")


def test_a_report_of_an_earlier_netops_without_manifest_is_taken_over(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert run(["report", "--out", str(output)])[0] == 0
    (output / ".netops-manifest.json").unlink()
    (output / "districts" / "999-gone.html").write_text("old")
    (output / "notes.txt").write_text("mine")
    code, _, stderr = run(["report", "--out", str(output)])
    assert code == 0 and "1 stale removed" in stderr, stderr
    assert not (output / "districts" / "999-gone.html").exists() and (output / "notes.txt").read_text() == "mine"
    assert (output / ".netops-manifest.json").is_file()


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    intent = materialize_overlay(TESTS / "intent" / "cases" / "base",
                                 TESTS / "intent" / "cases" / "invalid" / "lan-too-small", tmp_path)
    output = tmp_path / "out"
    code, _, stderr = run(["report", "--out", str(output), "--intent", str(intent)])
    assert code == 2 and "LAN too small" in stderr
    assert not output.exists()


def test_every_reference_is_local_and_exists(report: Path) -> None:
    for page in [report / "index.html", *sorted((report / "districts").glob("*.html"))]:
        parser = _References()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.references
        for reference in parser.references:
            assert not re.match(r"^[a-z]+:|^//", reference), f"{page.name} references {reference}"
            target, _, anchor = reference.partition("#")
            if target:
                assert (page.parent / target).is_file(), f"{page.name}: {reference} does not exist"
            else:
                assert anchor in parser.ids or anchor == "by-status", f"{page.name}: no element #{anchor}"
    # No stylesheet, script or font is fetched from anywhere: everything is inline.
    assert "<script" not in (report / "index.html").read_text() and "@import" not in (report / "index.html").read_text()


#: Xã Đông Anh of the 2025 sample: four sites, all of area 017.
UNIT_SITES = {"dang-uy-xa-co-loa", "ubnd-thi-tran-dong-anh", "ubnd-xa-co-loa", "ubnd-xa-uy-no"}


@pytest.mark.parametrize("scope", [["--unit", "xa-dong-anh"],
                                   ["--site", "ubnd-xa-co-loa", "--site", "ubnd-xa-uy-no", "--site", "dang-uy-xa-co-*",
                                    "--site", "ubnd-thi-tran-dong-anh"]], ids=["unit", "sites"])
def test_a_scoped_report_has_the_pages_and_csv_rows_of_its_sites_only(scope: list[str], report: Path,
                                                                      tmp_path: Path) -> None:
    output = tmp_path / "out"
    code, _, stderr = run(["report", "--out", str(output), *scope])
    assert code == 0, stderr

    pages = {p.name for p in (output / "districts").iterdir()}
    assert pages == {f"017-cum-dong-anh.{ext}" for ext in ("html", "md", "svg")}
    sites = _csv(output / "csv" / "sites.csv")
    assert {row["slug"] for row in sites} == UNIT_SITES
    for name, column in (("circuits", "site"), ("lans", "site"), ("rollout-sites", "site"),
                         ("attachments", "site"), ("policy-lans", "site")):
        rows = _csv(output / "csv" / f"{name}.csv")
        assert rows and {row[column] for row in rows} <= UNIT_SITES, name
        assert len(rows) < len(_csv(report / "csv" / f"{name}.csv")), name
    assert {row["area"] for row in _csv(output / "csv" / "rollout.csv")} == {"017"}
    # City-wide tables stay whole; the analyses are the whole network's (the same failures cut these sites).
    assert _csv(output / "csv" / "pools.csv") == _csv(report / "csv" / "pools.csv")
    whole = [row for row in _csv(report / "csv" / "spof.csv") if set(row["sites"].split()) & UNIT_SITES]
    assert _csv(output / "csv" / "spof.csv") == whole and whole
    index = (output / "index.html").read_text(encoding="utf-8")
    assert "Chỉ 4 điểm được chọn: " + ", ".join(sorted(UNIT_SITES)) in index
    assert "Chỉ 4 điểm được chọn" in (output / "report.md").read_text(encoding="utf-8")
    assert "điểm được chọn" not in (report / "index.html").read_text(encoding="utf-8")
    test_every_reference_is_local_and_exists(output)


def test_a_scope_naming_nothing_is_exit_2_with_did_you_mean_and_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "out"
    code, _, stderr = run(["report", "--out", str(output), "--site", "ubnd-xa-co-lao", "--unit", "dong-anhh"])
    assert code == 2 and "did you mean ubnd-xa-co-loa" in stderr and "--unit: unknown unit" in stderr, stderr
    assert not output.exists()


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_markdown_and_csv_goldens(report: Path, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    for name in ("report.md", "districts/001-cum-ba-dinh.md", "csv/spof.csv", "csv/pools.csv", "csv/rollout.csv",
                 "csv/design-rules.csv", "csv/design-breaks.csv", "csv/accepted-risks.csv",
                 "csv/design-failures.csv"):
        golden(CASES / "hanoi-sample" / "expected" / name, (report / name).read_text(encoding="utf-8"))
    # In English: the same tables in other words; the CSV files are the same in both languages.
    english = tmp_path / "en"
    code, _, stderr = run(["report", "--out", str(english), "--lang", "en"])
    assert code == 0, stderr
    for name in ("report.md", "districts/001-cum-ba-dinh.md"):
        golden(CASES / "hanoi-sample" / "expected" / "en" / name, (english / name).read_text(encoding="utf-8"))
    assert {p.name: p.read_bytes() for p in (english / "csv").glob("*.csv")} == \
        {p.name: p.read_bytes() for p in (report / "csv").glob("*.csv")}


def test_index_page_in_chromium(report: Path) -> None:
    page = (report / "index.html").as_uri()
    dom = chromium(page, "--dump-dom")
    assert not dom.console_errors(), dom.console_errors()
    html = dom.stdout
    # The map: one circle per site with coordinates (all 25), coloured by status classes, uplinks drawn.
    map_svg = re.search(r'<svg id="map".*?</svg>', html, re.S)
    assert map_svg is not None
    assert len(re.findall(r'<circle class="site ', map_svg.group(0))) == 25
    assert 'data-site="dc-hanoi"' in map_svg.group(0) and "<line " in map_svg.group(0)
    # The graphviz topology, inline, with the data-center routers.
    assert 'class="graph"' in html and ">dc-core-01<" in html
    for table in ("rollout", "redundancy", "spof", "design-rules", "design-breaks", "accepted-risks",
                  "design-failures", "pools", "policy-rules", "providers"):
        assert f'data-table="{table}"' in html, table
    # the rollout row of Cụm Ba Đình: none of its 7 sites has rollout evidence yet (docs/lifecycle.md); the
    # percentage written the Vietnamese way
    assert re.search(r"Cụm Ba Đình</td>(\s*<td[^>]*>[^<]*</td>){6}\s*<td[^>]*>7</td>\s*<td[^>]*>0,0</td>", html)
    assert '<html lang="vi">' in html and "Triển khai: số điểm theo trạng thái và theo cụm" in html


def test_map_toggle_and_screenshots(report: Path, tmp_path: Path) -> None:
    page = (report / "index.html").as_uri()
    shots = {}
    for mode in ("by-status", "by-redundancy"):
        shot = tmp_path / f"index-{mode}.png"
        run_ = chromium(f"{page}#{mode}", f"--screenshot={shot}", "--window-size=1400,1800")
        assert not run_.console_errors(), run_.console_errors()
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
        shots[mode] = data
    # Colouring by redundancy repaints the map: the two pictures differ.
    assert shots["by-status"] != shots["by-redundancy"]


def test_district_page_in_chromium(report: Path, tmp_path: Path) -> None:
    page = report / "districts" / "017-cum-dong-anh.html"
    dom = chromium(page.as_uri(), "--dump-dom")
    assert not dom.console_errors(), dom.console_errors()
    html = dom.stdout
    assert "Cụm Đông Anh (017)" in html and 'data-table="sites"' in html
    assert ">dong-anh-agg-02<" in html  # the district's topology diagram
    # the area's seven sites (its hub and the sites of Xã Đông Anh, Thiên Lộc and Vĩnh Thanh) and the data center
    map_svg = re.search(r'<svg id="map".*?</svg>', html, re.S)
    assert map_svg is not None and len(re.findall(r'<circle class="site ', map_svg.group(0))) == 8
    shot = tmp_path / "district.png"
    chromium(page.as_uri(), f"--screenshot={shot}", "--window-size=1400,1800")
    assert shot.read_bytes().startswith(b"\x89PNG")


# --- both languages, the map's labels, print pages ---------------------------------------------------------------


@pytest.fixture(scope="module")
def dense_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Hà Nội of the dataset in the 2025 structure: 30 areas, 126 units, 1,635 sites, the inner city
    dense."""
    city = tmp_path_factory.mktemp("dense") / "city"
    code, _, stderr = run(["generate-city", "--real", "--structure", "2025", "--out", str(city)])
    assert code == 0, stderr
    return city


@pytest.fixture(scope="module", params=["sample-vi", "sample-en", "dense-vi", "dense-en"])
def localized(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A report per city and language: (lang, output folder)."""
    city, lang = str(request.param).split("-")
    output = tmp_path_factory.mktemp(f"report-{city}-{lang}") / "out"
    intent = ["--intent", str(request.getfixturevalue("dense_city"))] if city == "dense" else []
    code, _, stderr = run(["report", "--out", str(output), "--lang", lang, *intent])
    assert code == 0, stderr
    return lang, output


def _map_groups(page: Path) -> int:
    return len(re.findall(r'data-centre="', page.read_text(encoding="utf-8")))


def test_map_labels_do_not_overlap_in_chromium(localized: tuple[str, Path]) -> None:
    """Every group's name is on the map, and no two names overlap, measured by Chromium through the DOM at two
    window widths (the map scales with the page)."""
    lang, output = localized
    page = output / "index.html"
    assert f'<html lang="{lang}">' in page.read_text(encoding="utf-8")
    groups = _map_groups(page)
    assert groups >= 3
    # The real city's crowded centre is drawn again, enlarged; the sample has no crowd.
    assert ('<svg id="map-core"' in page.read_text(encoding="utf-8")) == ("dense" in output.parent.name)
    for width in (1400, 900):
        boxes = [box for box in label_boxes(page, width) if box.visible]
        assert len(boxes) == groups, f"{len(boxes)} labels shown for {groups} groups"
        overlapping = [(a.text, b.text) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]
        assert not overlapping, overlapping


def _distinct_bytes(png: bytes) -> int:
    """How many byte values the image data holds: a blank page has two or three, a drawn map hundreds."""
    data, offset = b"", 8
    while offset < len(png):
        length = int.from_bytes(png[offset:offset + 4], "big")
        kind = png[offset + 4:offset + 8]
        if kind == b"IDAT":
            data += png[offset + 8:offset + 8 + length]
        offset += 12 + length
    return len(set(zlib.decompress(data)))


def test_screenshots_for_review(localized: tuple[str, Path], tmp_path: Path) -> None:
    """Screenshots of the overview (written under the test's temporary folder for review), not blank."""
    lang, output = localized
    shot = tmp_path / f"index-{lang}.png"
    chromium((output / "index.html").as_uri(), f"--screenshot={shot}", "--window-size=1400,1600")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and _distinct_bytes(data) > 100


#: A4 landscape in PostScript points (297 x 210 mm); Chromium writes 841.92 x 594.96.
A4_LANDSCAPE = (842, 595)


def _pdf_pages(pdf: bytes) -> list[tuple[int, int]]:
    return [(round(float(w)), round(float(h)))
            for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)]


def test_print_pages_are_a4_landscape(localized: tuple[str, Path], tmp_path: Path) -> None:
    """Chromium's print to PDF takes the pages' @page size: A4 landscape, a sane number of pages (the map whole
    on one, the tables broken across pages)."""
    lang, output = localized
    district = sorted((output / "districts").glob("*.html"))[0]
    for page, most in ((output / "index.html", 40), (district, 25)):
        pdf = tmp_path / f"{page.stem}-{lang}.pdf"
        chromium(page.as_uri(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
        pages = _pdf_pages(pdf.read_bytes())
        assert pages and set(pages) == {A4_LANDSCAPE}, pages[:3]
        assert 2 <= len(pages) <= most, f"{page.name}: {len(pages)} pages"
