"""End to end: every chapter on the smoke profile, the Jupyter Book build, and a
headless-Chromium check of the built HTML (slow: a few minutes).

The browser tests open every page at 1400 px, as a reader would, and screenshot it (into
``$WEAM_SCREENSHOTS`` when set, with each page's height and widest element in
``metrics.json``).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
from conftest import build_isolated_book

from weamlib.book import pipeline

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow
WIDTH = 1400  # the browser window of the reader checks
# Figures each chapter shows at least, on the smoke profile without real data.
MIN_FIGURES = {
    "01_data": 3,
    "02_alignment_statistics": 7,
    "03_pretraining": 2,
    "04_xnli": 1,
    "05_mlqa": 1,
    "06_ablation_mask_prob": 1,
    "07_ablation_lambda": 1,
    "08_alignment_sources": 2,
    "09_claims": 1,
    "99_build_report": 1,
}
FOLDED = {"hide-input", "remove-input", "remove-cell"}
PARAMETERS = {"parameters", "injected-parameters"}


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    """The whole smoke book, built into a temporary copy of book/ with a fresh run store.

    With ``WEAM_TEST_BOOK=DIR`` the checks read a book already built in DIR instead (e.g.
    the default book: ``WEAM_TEST_BOOK=book pytest tests/book/test_book.py``),
    and check the chapters its build report lists (a book built up to chapter 05 is
    checked up to chapter 05).
    """
    given = os.environ.get("WEAM_TEST_BOOK")
    if given:
        folder = Path(given).resolve()
        report = json.loads((folder / "build_report.json").read_text(encoding="utf-8"))
        profile = next(iter(report["chapters"].values()))["profile"]
        built = [p for p in pipeline.chapters() if p.stem in report["chapters"]]
        return {"dir": folder, "report": report, "cache": None, "sources_unchanged": True,
                "profile": profile, "chapters": built}  # fmt: skip
    before = {p: p.read_bytes() for p in (REPO / "notebooks").glob("*.py")}
    built = build_isolated_book(tmp_path_factory, "smoke")
    after = {p: p.read_bytes() for p in (REPO / "notebooks").glob("*.py")}
    return {**built, "sources_unchanged": before == after, "profile": "smoke",
            "chapters": pipeline.chapters()}  # fmt: skip


def _built(book, stem: str) -> bool:
    return any(p.stem == stem for p in book["chapters"])


def test_every_chapter_executes_without_errors(smoke_book):
    for source in smoke_book["chapters"]:
        nb = nbformat.read(smoke_book["dir"] / "chapters" / f"{source.stem}.ipynb", as_version=4)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{source.name}: {errors}"
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and f'profile = "{smoke_book["profile"]}"' in injected[0].source


def test_build_report_records_every_chapter(smoke_book):
    chapters = smoke_book["report"]["chapters"]
    assert set(chapters) == {p.stem for p in smoke_book["chapters"]}
    if not os.environ.get("WEAM_TEST_BOOK"):
        assert set(chapters) == {p.stem for p in pipeline.chapters()}
    for name, entry in chapters.items():
        assert entry["profile"] == smoke_book["profile"], name
        assert entry["seconds"] > 0 and entry["peak_rss_mb"] > 0, name


def test_papermill_never_writes_the_paired_sources(smoke_book):
    assert smoke_book["sources_unchanged"]
    assert not list((REPO / "notebooks").glob("*.ipynb"))


def test_html_has_every_page_and_no_remote_assets(smoke_book):
    html = smoke_book["dir"] / "_build" / "html"
    for page in ["index.html", "method.html", "reproduction.html"] + [
        f"chapters/{p.stem}.html" for p in smoke_book["chapters"]
    ]:
        assert (html / page).is_file(), page
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for attr in ('src="http', 'src="//', 'href="//'):
            assert attr not in text, f"{page.name} loads a remote asset ({attr})"
        # stylesheets/scripts only from the site; plain links to papers are fine
        assert 'rel="stylesheet" href="http' not in text, page.name
    assert (html / "mathjax" / "tex-svg.js").is_file()


def _executed(smoke_book, stem: str):
    return nbformat.read(smoke_book["dir"] / "chapters" / f"{stem}.ipynb", as_version=4)


def _figures(nb) -> int:
    """Images a chapter's executed notebook shows (outputs of cells the book keeps)."""
    return sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if not {"remove-cell", "remove-output"} & set(cell.metadata.get("tags", []))
        for out in cell.get("outputs", [])
    )


def test_chapters_open_with_their_computed_summary(smoke_book):
    html = smoke_book["dir"] / "_build" / "html" / "chapters"
    for source in smoke_book["chapters"]:
        nb = _executed(smoke_book, source.stem)
        glued = [
            o
            for c in nb.cells
            for o in c.get("outputs", [])
            if o.get("metadata", {}).get("scrapbook", {}).get("name") == "chapter_summary"
        ]
        assert len(glued) == 1, f"{source.name}: no glued chapter_summary"
        assert "chapter_summary" in nb.cells[0].source, f"{source.name}: summary not first"
        page = (html / f"{source.stem}.html").read_text(encoding="utf-8")
        start = page.index("weam-summary")
        box = page[start : page.index("</div>", start)]
        assert start < page.index('class="cell'), f"{source.name}: code before the summary"
        assert re.search(r"\d", re.sub(r"<[^>]+>", "", box)), f"{source.name}: {box[:300]}"


def test_results_chapters_open_with_their_own_summary(smoke_book):
    """Chapters 04–08 each summarise their own numbers: no sentence of one chapter's
    opening summary recurs in another's."""
    sentences = {}
    for stem in ("04_xnli", "05_mlqa", "06_ablation_mask_prob", "07_ablation_lambda",
                 "08_alignment_sources"):  # fmt: skip
        if not _built(smoke_book, stem):
            continue
        (text,) = [
            o["data"]["application/papermill.record/text/markdown"]
            for c in _executed(smoke_book, stem).cells
            for o in c.get("outputs", [])
            if o.get("metadata", {}).get("scrapbook", {}).get("name") == "chapter_summary"
        ]
        found = {s.strip(" *\n") for s in re.split(r"(?<=[.:;])\s", text) if len(s) > 25}
        for other, theirs in sentences.items():
            assert not found & theirs, f"{stem} repeats {other}: {found & theirs}"
        sentences[stem] = found


def test_plumbing_is_folded_and_figures_have_captions(smoke_book):
    for source in smoke_book["chapters"]:
        nb = _executed(smoke_book, source.stem)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            tags = set(cell.metadata.get("tags", []))
            assert tags & (FOLDED | PARAMETERS), (
                f"{source.name}: unfolded cell {cell.source[:80]!r}"
            )
            if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
                caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption", "")
                assert caption.endswith(".") and caption.count(". ") == 0, (
                    f"{source.name}: a figure needs a one-sentence caption: {cell.source[:80]!r}"
                )
                others = [o for o in cell.outputs if o.output_type in ("display_data",
                          "execute_result") and "image/png" not in o.get("data", {})]  # fmt: skip
                assert not others, f"{source.name}: a figure cell shows more than its figure"
        # the executed notebook keeps every cell of the source
        import jupytext

        assert len(nb.cells) == len(jupytext.read(source).cells) + 1  # + injected parameters


@pytest.mark.parametrize(
    "chapter, switch", [("01_data", "show_real_data"), ("02_alignment_statistics", "use_real_data")]
)
def test_real_data_sections_say_so_when_data_is_absent(
    smoke_book, tmp_path, monkeypatch, chapter, switch
):
    if smoke_book["cache"] is None:
        pytest.skip("a given book (WEAM_TEST_BOOK) has no run store to re-run a chapter in")
    monkeypatch.setenv("WEAM_CACHE", str(smoke_book["cache"]))
    (source,) = pipeline.chapters([chapter])
    pipeline.run_chapter(source, "smoke", tmp_path, {switch: False})
    nb = nbformat.read(tmp_path / f"{chapter}.ipynb", as_version=4)
    shown = "".join(
        str(o.get("data", {}).get("text/markdown", "")) + str(o.get("text", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    assert "Note" in shown and "skipped" in shown, chapter


def test_failing_cell_fails_with_the_cell_and_its_error(tmp_path):
    nb = tmp_path / "50_broken.py"
    nb.write_text(
        (REPO / "notebooks" / "00_environment.py").read_text().split("# %% [markdown]")[0]
        + '# %% tags=["parameters"]\nprofile = "default"\n\n# %%\nx = 1\nraise ValueError("boom here")\n'
    )
    out = tmp_path / "out"
    with pytest.raises(pipeline.ChapterFailed) as err:
        pipeline.run_chapter(nb, "smoke", out)
    message = str(err.value)
    assert "50_broken.py" in message and 'raise ValueError("boom here")' in message
    assert "ValueError: boom here" in message
    assert not (out / "50_broken.ipynb").exists()


def _chapter(tmp_path, name: str, code: str) -> Path:
    nb = tmp_path / f"{name}.py"
    nb.write_text(
        (REPO / "notebooks" / "00_environment.py").read_text().split("# %% [markdown]")[0]
        + '# %% tags=["parameters"]\nprofile = "default"\n\n# %%\n'
        + code
    )
    return nb


def test_the_kernels_own_output_stays_out_of_the_build_log(tmp_path, capfd):
    nb = _chapter(tmp_path, "52_noisy", 'import os\nos.write(2, b"kernel noise\\n")\nx = 1\n')
    pipeline.run_chapter(nb, "smoke", tmp_path / "out")
    shown = capfd.readouterr()
    assert "kernel noise" not in shown.out + shown.err
    assert "IPKernelApp" not in shown.out + shown.err  # ipykernel's start-up warnings
    # the cell counter says where the chapter is, with no guess at what is left
    assert "52_noisy cells: 1/3 [" in shown.err and "so far]" in shown.err, shown.err
    assert "s/cell" not in shown.err and "<" not in shown.err, shown.err
    assert (tmp_path / "out" / "52_noisy.ipynb").exists()


def test_a_dead_kernel_fails_the_chapter_with_its_last_words(tmp_path):
    nb = _chapter(tmp_path, "53_dies", 'import os\nos.write(2, b"dying words\\n")\nos._exit(3)\n')
    out = tmp_path / "out"
    with pytest.raises(pipeline.ChapterFailed) as err:
        pipeline.run_chapter(nb, "smoke", out)
    message = str(err.value)
    assert message.startswith("chapter 53_dies.py failed: DeadKernelError"), message
    assert "dying words" in message
    assert not (out / "53_dies.ipynb").exists()


def test_ctrl_c_stops_the_chapter_cleanly_and_writes_nothing(tmp_path):
    """Ctrl-C in a build reaches the pipeline's process group: the build stops within
    seconds with one message and exit status 130, no traceback of its own, the previous
    executed notebook untouched and no kernel left behind."""
    import signal
    import subprocess
    import sys
    import time

    nb = _chapter(tmp_path, "51_slow", "import time\ntime.sleep(300)\n")
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "51_slow.ipynb"
    previous.write_text("previous build")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from weamlib.book import pipeline\n"
        "from weamlib.cli.book import _failed\n"
        "try:\n"
        f"    pipeline.run_chapter(Path({str(nb)!r}), 'smoke', Path({str(out)!r}))\n"
        "except pipeline.ChapterFailed as err:\n"
        "    sys.exit(_failed(err))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
        # a test run started in the background (CI's, say) inherits SIGINT ignored, and a
        # Python started so never raises KeyboardInterrupt: give the pipeline a terminal's
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    kernel = None
    try:
        deadline = time.monotonic() + 120
        while kernel is None and time.monotonic() < deadline:
            for path in Path("/proc").glob("[0-9]*/stat"):
                try:
                    cmd = (path.parent / "cmdline").read_bytes()
                    ppid = int(path.read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                # the kernel is the pipeline's child (jupyter_client starts it in a
                # session of its own)
                if b"ipykernel" in cmd and ppid == proc.pid:
                    kernel = int(path.parent.name)
            time.sleep(0.5)
        assert kernel is not None, "no kernel started"
        time.sleep(3)  # the kernel reaches the sleeping cell
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, output
    assert "chapter 51_slow.py interrupted" in output, output
    # no KeyboardInterrupt traceback through papermill or asyncio, nor the kernel's own
    # shutdown logging
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert "papermill" not in output and "asyncio" not in output, output
    assert output.rstrip().endswith("recomputes only what was unfinished"), output
    assert previous.read_text() == "previous build"
    time.sleep(1)
    assert (
        not Path(f"/proc/{kernel}").exists()
        or "State:\tZ" in Path(f"/proc/{kernel}/status").read_text()
    ), "kernel left running"


@pytest.fixture(scope="session")
def served_book(smoke_book):
    root = smoke_book["dir"] / "_build" / "html"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served_book):
    """A page whose every request outside the local server is recorded and blocked."""
    page = browser.new_page()
    page.outside = []

    def route(r):
        if r.request.url.startswith(served_book) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    yield page
    page.close()


@pytest.mark.browser
def test_index_and_method_render_with_typeset_math(page, served_book, tmp_path):
    page.goto(served_book + "/index.html")  # redirects to the root page
    page.wait_for_url("**/intro.html")
    page.wait_for_load_state()
    assert "WEAM" in page.title()
    assert page.locator("table").count() >= 1  # the claims table
    page.goto(served_book + "/method.html")
    page.wait_for_selector("mjx-container svg", timeout=30_000)
    assert page.locator("mjx-container").count() >= 10
    assert page.locator("mjx-merror").count() == 0  # no TeX errors
    page.screenshot(path=str(tmp_path / "method.png"))
    assert (tmp_path / "method.png").stat().st_size > 10_000
    assert page.outside == []


@pytest.mark.browser
def test_chapters_render_figures_as_images(page, served_book, smoke_book):
    for source in smoke_book["chapters"]:
        page.goto(f"{served_book}/chapters/{source.stem}.html")
        assert page.locator("article h1").first.is_visible(), source.name
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
        )
        assert broken == 0, f"{source.name}: {broken} images did not load"
    if _built(smoke_book, "99_build_report"):
        page.goto(f"{served_book}/chapters/99_build_report.html")
        assert page.locator("img").count() >= 1  # the timing figure is an image
    assert page.outside == []


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    """Where the screenshots go ($WEAM_SCREENSHOTS, else a temporary folder)."""
    folder = Path(os.environ.get("WEAM_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# What a reader would see run past the main column: the document wider than the window,
# an element of the article reaching past the article's right edge, or a scroll box of the
# article (code, a table) whose content is wider than the box. Also the page's height and
# its widest element (the one whose content is widest).
MEASURE = """() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('article');
  const edge = article.getBoundingClientRect().right;
  const name = el => el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className
    ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
  const bad = [];
  let widest = article, width = 0;
  for (const el of article.querySelectorAll('*')) {
    if (el.closest('mjx-container') || el.matches('.math, mjx-container')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;  // folded, hidden
    const w = Math.max(r.width, el.scrollWidth);
    if (w > width) { width = w; widest = el; }
    const clips = getComputedStyle(el).overflowX !== 'visible';
    if (r.right > edge + 1 || (clips && el.scrollWidth > el.clientWidth + 2)) {
      bad.push(`${name(el)} (${Math.round(w)} px): ${(el.textContent || '').trim().slice(0, 60)}`);
    }
  }
  return {
    document_width: document.documentElement.scrollWidth, window_width: window.innerWidth,
    height: document.documentElement.scrollHeight,
    column: Math.round(article.getBoundingClientRect().width),
    widest: name(widest), widest_px: Math.round(width), overflow: bad.slice(0, 5),
    n_overflow: bad.length,
  };
}"""


def _pages(book) -> list[str]:
    return ["intro", "method", "reproduction"] + [f"chapters/{p.stem}" for p in book["chapters"]]


@pytest.fixture
def wide_page(browser, served_book):
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    yield page
    page.close()


@pytest.mark.browser
def test_every_page_fits_the_column_at_1400px(wide_page, served_book, smoke_book, shots):
    metrics, problems = {}, []
    for name in _pages(smoke_book):
        wide_page.goto(f"{served_book}/{name}.html")
        wide_page.wait_for_load_state("load")
        shot = shots / f"{name.replace('/', '_')}.png"
        wide_page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000, name
        m = metrics[name] = wide_page.evaluate(MEASURE)
        if m["document_width"] > m["window_width"] or m["n_overflow"]:
            problems.append(
                f"{name}: document {m['document_width']} px wide in a {m['window_width']} px"
                f" window; {m['n_overflow']} elements past the column: {m['overflow']}"
            )
    (shots / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_every_figure_is_shown_with_its_caption(wide_page, served_book, smoke_book):
    for source in smoke_book["chapters"]:
        wide_page.goto(f"{served_book}/chapters/{source.stem}.html")
        wide_page.wait_for_load_state("load")
        images = wide_page.evaluate("""() => Array.from(
            document.querySelectorAll('article img')).map(i => ({
              loaded: i.complete && i.naturalWidth > 0, natural: i.naturalWidth,
              shown: i.getBoundingClientRect().width,
              caption: (i.closest('figure')?.querySelector('figcaption')?.textContent || '').trim(),
            }))""")
        expected = _figures(_executed(smoke_book, source.stem))
        assert len(images) == expected >= MIN_FIGURES.get(source.stem, 0), (source.name, images)
        for img in images:
            assert img["loaded"], f"{source.name}: a figure did not load"
            assert len(img["caption"]) > 20, f"{source.name}: a figure without a caption"
            # drawn for the column: the browser does not shrink it (and its text) much
            assert img["natural"] <= 1.15 * img["shown"] + 1, (source.name, img)


@pytest.mark.browser
def test_parameters_cells_say_what_they_are(wide_page, served_book, smoke_book):
    if not _built(smoke_book, "03_pretraining"):
        pytest.skip("the book has no chapter 03")
    wide_page.goto(f"{served_book}/chapters/03_pretraining.html")
    captions = wide_page.evaluate("""() => ['tag_parameters', 'tag_injected-parameters'].map(
        c => getComputedStyle(document.querySelector('div.cell.' + c), '::before').content)""")
    assert "defaults" in captions[0] and "papermill" in captions[1], captions
    assert "profile" in captions[1]


@pytest.mark.browser
def test_claims_ledger_reads_at_a_glance(wide_page, served_book, smoke_book):
    if not _built(smoke_book, "09_claims"):
        pytest.skip("the book has no chapter 09")
    wide_page.goto(f"{served_book}/chapters/09_claims.html")
    ledger = wide_page.evaluate("""() => {
      const table = document.querySelector('table.weam-ledger');
      const edge = document.querySelector('article').getBoundingClientRect().right;
      return {
        columns: table.querySelectorAll('thead th').length,
        rows: Array.from(table.querySelectorAll('tbody tr')).map(
          tr => Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim())),
        right: table.getBoundingClientRect().right, edge,
        links: Array.from(table.querySelectorAll('a')).map(
          a => ({href: a.getAttribute('href'), right: a.getBoundingClientRect().right})),
        notes: Array.from(document.querySelectorAll('details.weam-claim-test')).map(
          d => d.textContent),
      };
    }""")
    assert ledger["columns"] <= 7
    assert [r[0] for r in ledger["rows"]] == [f"C{i}" for i in range(1, 13)]
    longest = max((c for r in ledger["rows"] for c in r), key=len)
    assert len(longest) <= 300, longest
    assert ledger["right"] <= ledger["edge"] + 1
    assert all(a["right"] <= ledger["edge"] + 1 for a in ledger["links"]), ledger["links"]
    evidence = [a["href"] for a in ledger["links"] if a["href"].endswith(".html")]
    assert evidence and all(
        (smoke_book["dir"] / "_build" / "html" / "chapters" / href).is_file() for href in evidence
    ), evidence
    assert len(ledger["notes"]) == 12 and all("Test." in n for n in ledger["notes"])
    # one click from the table to a claim's full test: the link opens its note
    note = wide_page.locator("details.weam-claim-test", has=wide_page.locator("#test-C5"))
    assert note.get_attribute("open") is None
    wide_page.click('table.weam-ledger a[href="#test-C5"]')
    wide_page.wait_for_function("document.querySelector('#test-C5').closest('details').open")
    assert wide_page.locator("#test-C5").is_visible()
