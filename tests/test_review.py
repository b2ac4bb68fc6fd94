"""The review page: every fact in its sentence, in a file that needs no network. The page is
checked as HTML here and in a real headless browser (Chromium from the system's packages,
driven by Playwright); a screenshot of a seed's page is kept in ``test-artifacts/``."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor import Report, extract, load_text
from extractor.cli import app
from extractor.review import pieces, render_report, write_review, write_site
from extractor.storage import Store

SEED = Path("eval/gold/anyang-2024.txt")
ARTIFACTS = Path(os.environ.get("EXTRACTOR_ARTIFACTS", "test-artifacts"))
EVIL = "2024年桐江市环境状况报告\n一、总体情况\n全年优良天数226天<script>alert(1)</script>，罚款3136万元。\n"


def test_every_piece_of_text_is_kept_in_order_and_each_fact_begins_once() -> None:
    report = extract(SEED)
    ps = pieces(report)
    assert "".join(p.text for p in ps) == report.text
    located = [i for i, f in enumerate(report.facts) if f.span is not None]
    firsts = [i for p in ps for i in p.first_of]
    assert sorted(firsts) == located


def test_the_page_is_self_contained_and_marks_every_located_fact() -> None:
    report = extract(SEED)
    html = render_report(report)
    # nothing fetched: no src or href to another host, no external stylesheet
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html
    ids = re.findall(r'id="f-(\d+)"', html)
    assert sorted(map(int, ids)) == [i for i, f in enumerate(report.facts) if f.span]
    assert html.count("<tr data-i=") == len(report.facts)


def test_report_text_that_holds_markup_is_shown_as_text() -> None:
    report = extract(load_text(EVIL))
    html = render_report(report)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # nor can a quote close the data block: it is JSON with < escaped
    data = html.split('<script type="application/json" id="data">', 1)[1].split("</script>")[0]
    assert "<" not in data


def test_review_cli_writes_a_page_and_a_database_index(tmp_path: Path) -> None:
    runner = CliRunner()
    report_json = tmp_path / "r.json"
    report = extract(SEED)
    report_json.write_text(report.model_dump_json(), encoding="utf-8")
    result = runner.invoke(app, ["review", str(report_json), "-o", str(tmp_path / "p.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert report.meta.title and f"<h1>{report.meta.title}</h1>" in page
    assert page.count("<tr data-i=") == len(report.facts)

    db = tmp_path / "r.db"
    with Store(db) as store:
        for path in (SEED, Path("eval/gold/pingdingshan-2025.txt")):
            store.save_report(extract(path), config="c", path=str(path))
        store.save_failure(path="broken.pdf", error="cannot be read", config="c")
    written = write_site(db, tmp_path / "site")
    index = written[0].read_text(encoding="utf-8")
    assert len(written) == 3 and index.split("<tbody>")[1].count("<tr>") == 3
    assert "broken.pdf — failed: cannot be read" in index
    anyang = extract(SEED)
    assert f'<a href="{anyang.doc_id}.html">' in index
    assert f'<td class="n">{anyang.checks.verified}</td>' in index


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a report JSON file or --db"),
        (["--db", "missing.db"], "no results database here"),
    ],
)
def test_review_cli_says_what_was_wrong_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["review", *args, "-o", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_a_page_over_an_existing_folder_is_refused(tmp_path: Path) -> None:
    from extractor.errors import UsageError

    with pytest.raises(UsageError, match="is a folder"):
        write_review(extract(load_text(EVIL)), tmp_path)


# -- in a real browser --------------------------------------------------------------------

CHROMIUM = os.environ.get("EXTRACTOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Report, Path]]:
    """The pages the browser opens, made before it starts (its loop would be running)."""
    out = {}
    for name, source in (("seed", SEED), ("evil", load_text(EVIL))):
        report = extract(source)
        out[name] = (report, write_review(report, tmp_path_factory.mktemp(name) / "page.html"))
    return out


@pytest.fixture(scope="module")
def browser(pages):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _open(browser, pages, name: str):  # type: ignore[no-untyped-def]
    report, page_file = pages[name]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("pageerror", lambda e: failed.append(str(e)))
    page.goto(page_file.as_uri())
    return report, page, failed


def test_in_a_browser_each_fact_has_one_highlight_and_a_row_click_finds_it(browser, pages):  # type: ignore[no-untyped-def]
    report, page, failed = _open(browser, pages, "seed")
    located = [i for i, f in enumerate(report.facts) if f.span]
    assert page.locator("#text .hl[id^='f-']").count() == len(located)
    assert failed == []  # it loaded offline, and its script ran without an error
    last = located[-1]
    target = page.locator(f"#f-{last}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-anyang-2024.png"))
    assert not _in_view(page, f"#f-{last}")
    page.locator(f"#facts tbody tr[data-i='{last}']").click()
    assert _in_view(page, f"#f-{last}")
    assert "flash" in (target.get_attribute("class") or "")
    assert report.facts[last].subject in page.locator("#details").inner_text()
    page.screenshot(path=str(ARTIFACTS / "review-anyang-2024-row-clicked.png"))


def test_in_a_browser_the_table_filters_and_sorts(browser, pages):  # type: ignore[no-untyped-def]
    report, page, _ = _open(browser, pages, "seed")
    page.select_option("#f-category", "water")
    water = sum(f.category == "water" for f in report.facts)
    assert page.locator("#facts tbody tr:not([hidden])").count() == water > 0
    page.select_option("#f-category", "")
    page.click("#facts th[data-key='value']")
    cells = page.locator("#facts tbody tr td:nth-child(5)").all_inner_texts()
    numbers = [float(v) for v in cells if re.fullmatch(r"-?[\d.]+(e[+-]?\d+)?", v)]
    assert len(numbers) > 20 and numbers == sorted(numbers)
    # grades (II类) have no number: they sort first
    assert not re.fullmatch(r"-?[\d.]+", cells[0])


def test_in_a_browser_markup_in_a_report_stays_text(browser, pages):  # type: ignore[no-untyped-def]
    _, page, failed = _open(browser, pages, "evil")
    assert "<script>alert(1)</script>" in page.locator("#text").inner_text()
    assert page.locator("#text script").count() == 0
    assert failed == []


def _in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.eval_on_selector(
            selector,
            """el => { const r = el.getBoundingClientRect(); const box = document.getElementById('text').getBoundingClientRect();
                       return r.top >= Math.max(0, box.top) && r.bottom <= Math.min(innerHeight, box.bottom); }""",
        )
    )


def test_in_a_browser_hovering_a_number_shows_its_fact_and_a_finding_finds_its_text(browser, pages):  # type: ignore[no-untyped-def]
    report, page, _ = _open(browser, pages, "seed")
    i = next(i for i, f in enumerate(report.facts) if f.span and f.change)
    page.hover(f"#f-{i}")
    shown = page.locator("#details").inner_text()
    assert report.facts[i].subject in shown and "change" in shown
    page.focus("#f-0")
    assert report.facts[0].subject in page.locator("#details").inner_text()
    key = next(f"p{k}" for k, g in enumerate(report.problems) if g.span)
    page.click(f"aside li[data-finding='{key}']")
    flashed = page.locator("#text .flash")
    assert flashed.count() == 1
    # the piece of text where the finding's quote begins
    span = report.problems[int(key[1:])].span
    assert span is not None and report.text[span[0] :].startswith(flashed.inner_text())
