"""End to end: every chapter on the smoke profile, the Jupyter Book build, and a
headless-Chromium check of the built HTML (slow: a few minutes)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
from conftest import build_isolated_book

from weamlib import pipeline

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    """The whole smoke book, built into a temporary copy of book/ with a fresh run store."""
    before = {p: p.read_bytes() for p in (REPO / "notebooks").glob("*.py")}
    built = build_isolated_book(tmp_path_factory, "smoke")
    after = {p: p.read_bytes() for p in (REPO / "notebooks").glob("*.py")}
    return {**built, "sources_unchanged": before == after}


def test_every_chapter_executes_without_errors(smoke_book):
    for source in pipeline.chapters():
        nb = nbformat.read(smoke_book["dir"] / "chapters" / f"{source.stem}.ipynb", as_version=4)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{source.name}: {errors}"
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and 'profile = "smoke"' in injected[0].source, source.name


def test_build_report_records_every_chapter(smoke_book):
    chapters = smoke_book["report"]["chapters"]
    assert set(chapters) == {p.stem for p in pipeline.chapters()}
    for name, entry in chapters.items():
        assert entry["profile"] == "smoke", name
        assert entry["seconds"] > 0 and entry["peak_rss_mb"] > 0, name


def test_papermill_never_writes_the_paired_sources(smoke_book):
    assert smoke_book["sources_unchanged"]
    assert not list((REPO / "notebooks").glob("*.ipynb"))


def test_html_has_every_page_and_no_remote_assets(smoke_book):
    html = smoke_book["dir"] / "_build" / "html"
    for page in ["index.html", "method.html", "reproduction.html"] + [
        f"chapters/{p.stem}.html" for p in pipeline.chapters()
    ]:
        assert (html / page).is_file(), page
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for attr in ('src="http', 'src="//', 'href="//'):
            assert attr not in text, f"{page.name} loads a remote asset ({attr})"
        # stylesheets/scripts only from the site; plain links to papers are fine
        assert 'rel="stylesheet" href="http' not in text, page.name
    assert (html / "mathjax" / "tex-svg.js").is_file()


@pytest.mark.parametrize(
    "chapter, switch", [("01_data", "show_real_data"), ("02_alignment_statistics", "use_real_data")]
)
def test_real_data_sections_say_so_when_data_is_absent(
    smoke_book, tmp_path, monkeypatch, chapter, switch
):
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
def test_chapters_render_figures_as_images(page, served_book):
    for source in pipeline.chapters():
        page.goto(f"{served_book}/chapters/{source.stem}.html")
        assert page.locator("article h1").first.is_visible(), source.name
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
        )
        assert broken == 0, f"{source.name}: {broken} images did not load"
    page.goto(f"{served_book}/chapters/99_build_report.html")
    assert page.locator("img").count() >= 1  # the timing figure is an image
    assert page.outside == []
