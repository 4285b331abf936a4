"""A real browser: Debian's Chromium driven by Playwright against `streamlit run app.py`."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import (
    CHROMIUM,
    analyse_the_example,
    first_paint,
    launch,
    nav,
    new_tab,
    open_page,
    rhythm_strip,
    score_the_example,
    streamlit_server,
    wait_idle,
)

from ecgdash.io.examples import examples  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: Why the browser tests may not run: said on purpose (ECGDASH_SKIP_BROWSER=why), or Chromium
#: missing on a developer's machine. On CI (CI set, as .ci/run sets it) a missing Chromium fails.
_MISSING = None if Path(CHROMIUM).exists() else "Chromium is not installed (apt-get install chromium)"
if os.environ.get("ECGDASH_SKIP_BROWSER"):
    pytestmark.append(pytest.mark.skip(reason=f"ECGDASH_SKIP_BROWSER: {os.environ['ECGDASH_SKIP_BROWSER']}"))
elif _MISSING and not os.environ.get("CI"):
    pytestmark.append(pytest.mark.skip(reason=f"{_MISSING}; on CI this fails"))


@pytest.fixture(autouse=True)
def _chromium_on_ci():
    if _MISSING and not os.environ.get("ECGDASH_SKIP_BROWSER"):
        pytest.fail(f"{_MISSING}: on CI the browser tests must run, or ECGDASH_SKIP_BROWSER must say why not")
SHOTS = Path(__file__).resolve().parent / "_artifacts"
#: navigation label -> words of that page's title
PAGES = {"Overview": "how an LSTM and a CNN", "Predict": "Predict", "Beat explorer": "Beat explorer",
         "Recordings": "Recordings", "Compare models": "Compare the LSTM", "Train": "Train a model",
         "Learn": "Learn", "Quiz": "Quiz",
         "Lessons": "Lessons"}


@pytest.fixture(scope="module")
def browser(tiny_store, tmp_path_factory):
    """One server for the module (the tiny models, no data) and one Chromium context:
    ``(url, tabs)``. Its tabs share the context's cache (Streamlit's scripts load once) and each
    is a session of its own. The first-paint test runs first, on the fresh server."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    env = {"ECGDASH_MODELS_DIR": str(tiny_store),
           "ECGDASH_DATA_DIR": str(tmp_path_factory.mktemp("nodata")), "TF_CPP_MIN_LOG_LEVEL": "2"}
    with streamlit_server(env) as url, sync_playwright() as p:
        chromium = launch(p)
        try:
            yield url, chromium.new_context()
        finally:
            chromium.close()


def _download(page, label: str, tries: int = 2) -> bytes:
    """The file the download button ``label`` gives. A download the browser cancels (seen once
    in a loaded run: Streamlit had rerun the page as the file was fetched) is clicked again, as a
    person would, up to ``tries`` clicks in all."""
    from playwright.sync_api import Error

    def click() -> bytes:
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name=label).click()
        return Path(info.value.path()).read_bytes()

    for _ in range(tries - 1):
        try:
            return click()
        except Error as exc:
            if "canceled" not in str(exc):
                raise
            wait_idle(page)
    return click()


def test_titles_from_the_first_paint(browser):
    """The sidebar shows the pages' titles as soon as app.py runs, and nothing after them.

    Streamlit (1.67) runs a server's very first session once through its own pages/ listing
    before app.py's ``st.navigation`` replaces it, so on a loaded machine the first visitor may
    glimpse the file names (the entry script ``app`` among them) for a moment; that listing, and
    only it, is allowed before the titles. That nothing slow precedes the navigation is checked
    without timing by ``test_the_navigation_comes_before_anything_slow``. The times are recorded
    in tests/_artifacts/first_paint.txt (not asserted: they depend on the machine)."""
    url, tabs = browser
    tab = new_tab(tabs)
    seen = first_paint(tab, url)
    tab.close()
    assert seen["navs"] and seen["usable_s"] is not None, seen
    file_names = {"app", "overview", "predict", "compare", "explorer", "recording", "train", "learn"}
    shown = [labels for _, labels in seen["navs"]]
    titled = [i for i, labels in enumerate(shown) if labels[:2] == ["Overview", "Predict"]]
    assert titled, shown
    assert all(not file_names & set(labels) for labels in shown[titled[0]:]), shown
    assert all("app" in labels for labels in shown[:titled[0]]), shown
    titles_s = seen["navs"][titled[0]][0]
    (SHOTS / "first_paint.txt").write_text(
        f"sidebar titles after {titles_s:.2f} s (file names shown before them: {titled[0] > 0}); "
        f"Overview usable after {seen['usable_s']:.2f} s\n")


def test_upload_predict_and_every_page(browser, small_data, tmp_path):
    from ecgdash import load_beats
    from ecgdash.datasets.mitbih import write_kaggle_csv

    beats = load_beats(small_data / "mitbih_test.csv")
    csv = tmp_path / "some_beats.csv"
    write_kaggle_csv(csv, beats.X[:80], beats.y[:80])
    url, tabs = browser
    page = new_tab(tabs)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_idle(page)
    nav(page, "Predict")
    wait_idle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=120_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    wait_idle(page)
    assert page.locator('[data-testid="stMetric"]').filter(has_text="macro-F1").count() == 2
    page.screenshot(path=str(SHOTS / "browser_predict.png"))
    for name, title in PAGES.items():
        nav(page, name)
        page.locator("h1", has_text=title).first.wait_for(state="visible", timeout=60_000)
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, name
    page.close()
    assert not errors, errors


def test_a_recordings_pdf_three_labels_in_its_template_review_and_a_caliper_on_ecg_paper(browser):
    """Recordings, the example, analysed once for the three: "Printable report (PDF)" downloads
    one PDF page named after the recording; three clicks in the template review label the beats
    (``_three_labels_change_the_counts``); the strip on ECG paper takes a caliper
    (``_a_caliper_reads_the_interval_it_spans``)."""
    url, tabs = browser
    page = open_page(tabs, url, "Recordings", viewport=(1400, 2400))
    analyse_the_example(page)
    pdf = _download(page, "Printable report (PDF)")
    record = examples(kind="recording")[0].path.name          # the example picked first
    assert pdf.startswith(b"%PDF-")
    assert f"/Title (ecgdash report: {record})".encode() in pdf and b"/Count 1" in pdf, record
    _three_labels_change_the_counts(page)
    _a_caliper_reads_the_interval_it_spans(page)
    page.close()


def _a_caliper_reads_the_interval_it_spans(page) -> None:
    """The strip on ECG paper (small squares 40 ms at 25 mm/s); a drag across it reads the
    interval it spans, in ms and as a rate."""
    import re

    page.get_by_text("ECG paper and calipers").click()
    wait_idle(page)
    plot = rhythm_strip(page)
    plot.wait_for(timeout=60_000)
    page.wait_for_function(                 # the strip redrawn on paper: a minor grid of 40 ms
        """() => [...document.querySelectorAll('.js-plotly-plot')].some(p => p._fullLayout
             && p.textContent.includes('signal') && p._fullLayout.xaxis.minor
             && Math.abs(p._fullLayout.xaxis.minor.dtick - 0.04) < 1e-9)""", timeout=60_000)
    plot.scroll_into_view_if_needed()
    axis = plot.evaluate("p => ({range: p._fullLayout.xaxis.range, minor: p._fullLayout.xaxis.minor.dtick, "
                         "left: p._fullLayout.xaxis._offset, width: p._fullLayout.xaxis._length})")
    assert axis["minor"] == pytest.approx(0.04)          # 1 mm at 25 mm/s
    box = plot.locator(".nsewdrag").first.bounding_box()
    x0, x1 = box["x"] + 0.3 * box["width"], box["x"] + 0.45 * box["width"]
    y = box["y"] + 0.5 * box["height"]
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y + 15, steps=8)
    page.mouse.up()
    wait_idle(page)
    page.wait_for_selector("text=Caliper:", timeout=60_000)
    reading = page.locator('[data-testid="stAlert"]').filter(has_text="Caliper:").inner_text()
    ms = float(re.search(r"Caliper: (\d+) ms", reading).group(1))
    per_px = (axis["range"][1] - axis["range"][0]) / axis["width"]
    assert ms == pytest.approx((x1 - x0) * per_px * 1000, abs=25), reading
    assert "beats per minute" in reading
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "browser_caliper.png"))


def _three_labels_change_the_counts(page) -> None:
    """The template review: the question comes first; three clicks on a class label the beats
    each shows, the sentence counts them, and the beats-per-class chart changes with every click
    (each answer is a class that neither the first model nor an earlier label gives the beats
    shown); a beat selected in the table is labelled on its own."""
    import re

    page.get_by_text("No label yet.", exact=True).wait_for(timeout=60_000)

    def counts_text():
        chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="beats per class").first
        chart.wait_for(timeout=60_000)
        return chart.text_content()

    seen = [counts_text()]
    reached = []
    for click in (1, 2, 3):
        sentence = page.locator('[data-testid="stRadio"]').filter(has_text="Next:").first.text_content()
        called = re.search(r"Next: .*? (?:calls most of them|says) ([NSVFQ])", sentence).group(1)
        now = re.search(r"labelled ([NSVFQ]) with", sentence)
        label = next(c for c in "NSV" if c != called and (now is None or c != now.group(1)))
        size = int(re.search(r"Next: (?:Cluster #\d+: )?([\d,]+) beats?", sentence).group(1).replace(",", ""))
        page.get_by_role("button", name=label, exact=True).click()
        wait_idle(page)
        done = page.get_by_text(re.compile(rf"^{click} clicks?: labels reached")).first
        done.wait_for(timeout=60_000)
        reached.append(int(re.search(r"reached ([\d,]+) of", done.text_content()).group(1).replace(",", "")))
        assert reached[-1] - (reached[-2] if click > 1 else 0) <= size
        page.wait_for_function(                     # the chart is drawn after the strip: wait for it
            """b => { const c = [...document.querySelectorAll('.js-plotly-plot')]
                      .find(p => p.textContent.includes('beats per class'));
                      return c && c.textContent !== b; }""", arg=seen[-1], timeout=60_000)
        seen.append(counts_text())
    assert reached == sorted(reached) and reached[0] > 0
    # one beat by hand: select the 4th row of the beat table, label it under the row's view
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 * 3 + 52)
    wait_idle(page)
    page.get_by_text("Label beat 3 yourself", exact=False).wait_for(timeout=60_000)
    page.get_by_role("button", name="Q", exact=True).last.click()
    wait_idle(page)
    page.get_by_text(re.compile(r"^4 clicks: labels reached")).first.wait_for(timeout=60_000)
    page.get_by_text("your label now: Q", exact=False).wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "browser_review.png"))


def test_predict_a_pdf_a_row_a_confusion_cell_and_a_what_if_on_its_beat(browser):
    """Predict, the example: "Printable report (PDF)" downloads one PDF page named after the
    file; selecting a row of the table offers that beat for the Beat explorer; a click on a cell
    of a confusion matrix shows a gallery of exactly its beats, and "Open in the Beat explorer"
    shows the first of them there (both buttons call one helper), no number typed; there, the
    What-if sliders re-score the changed beat with both models."""
    import re

    url, tabs = browser
    page = open_page(tabs, url, "Predict")
    score_the_example(page)
    pdf = _download(page, "Printable report (PDF)")
    assert pdf.startswith(b"%PDF-")
    assert b"/Title (ecgdash report: mitbih_test_500.csv)" in pdf and b"/Count 1" in pdf
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 * 3 + 52)          # the checkbox of the 4th row
    wait_idle(page)
    button = page.get_by_role("button", name=re.compile(r"Open beat \d+ in the Beat explorer"))
    button.wait_for(timeout=60_000)
    assert re.search(r"Open beat (\d+)", button.inner_text()).group(1) == "3"   # no filter: row 4 is beat 3
    matrix = page.locator(".js-plotly-plot").filter(has_text="confusion matrix").first
    matrix.scroll_into_view_if_needed()
    # the off-diagonal cell with the most beats (else the first non-empty one), from the figure
    cell = matrix.evaluate("""p => {
        const t = p.data[0].text, xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis;
        let best = null;
        for (let r = 0; r < t.length; r++) for (let c = 0; c < t[r].length; c++) {
            const n = parseInt(t[r][c].replace(/,/g, ''));
            const score = n > 0 ? (r !== c ? 1e9 : 0) + n : -1;
            if (!best || score > best.score) best = {score, n, r, c};
        }
        const box = p.getBoundingClientRect();
        return {n: best.n, r: best.r, c: best.c,
                x: box.left + xa._offset + xa.l2p(best.c), y: box.top + ya._offset + ya.l2p(best.r)};
    }""")
    page.mouse.click(cell["x"], cell["y"])
    wait_idle(page)
    classes = "NSVFQ"
    heading = page.locator("h3").filter(has_text=f"True {classes[cell['r']]}, called {classes[cell['c']]}")
    heading.wait_for(timeout=60_000)
    assert heading.inner_text().endswith(f": {cell['n']:,} beats"), heading.inner_text()
    gallery = page.locator(".js-plotly-plot").filter(has=page.locator(".gtitle, .annotation-text"),
                                                     has_text=re.compile(r"#\d+ LSTM"))
    gallery.first.wait_for(timeout=60_000)            # drawn after the heading
    first = int(re.search(r"#(\d+) LSTM", gallery.first.inner_text()).group(1))
    page.get_by_role("button", name="Open in the Beat explorer").first.click()
    wait_idle(page)
    page.locator("h1").filter(has_text="Beat explorer").first.wait_for(timeout=60_000)   # switched
    assert page.locator("h1").filter(has_text="Beat explorer").count() == 1
    page.get_by_text(f"Beat {first}", exact=True).first.wait_for(timeout=60_000)   # "Beat 3", not "Beat 30"
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "browser_cell_gallery.png"))
    _what_if_changes_both_models_probabilities(page)
    page.close()


def _what_if_changes_both_models_probabilities(page) -> None:
    """Beat explorer, on a beat of Kaggle rows: widening the QRS and flipping the beat re-scores
    the changed beat with both models; the RR sliders are off (the rows carry no timing); taking
    away the P wave changes the beat drawn; each model's explanation of both beats is shown."""

    def bars():
        """Each model's probabilities for the changed beat, from the What-if chart."""
        chart = page.locator(".js-plotly-plot").filter(has_text="class probabilities").last
        return chart.evaluate("p => p.calcdata.map(cd => cd.map(pt => pt.s))")

    def lines():
        return [t for t in page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts() if "→" in t]

    before, text_before = bars(), lines()
    assert len(before) == 2 and len(text_before) == 2, (before, text_before)
    slider = page.get_by_role("slider", name="QRS width (x)")
    slider.focus()
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    wait_idle(page)
    page.get_by_text("Flip it (upside down)").click()
    wait_idle(page)
    after, text_after = bars(), lines()
    for was, now in zip(before, after):                  # both models answer the changed beat
        assert max(abs(a - b) for a, b in zip(was, now)) > 1e-4, (was, now)
    assert [t.split("→")[0] for t in text_after] == [t.split("→")[0] for t in text_before]  # "was" stays
    assert page.get_by_text("the RR sliders are off", exact=False).count() == 1   # no timing here

    def changed_trace():
        chart = page.locator(".js-plotly-plot").filter(has_text="as it was").first
        return chart.evaluate("p => p.calcdata[p._fullData.findIndex(d => d.name === 'changed')].map(pt => pt.y)")

    trace = changed_trace()
    page.get_by_text("Take away the P wave").click()
    wait_idle(page)
    assert changed_trace() != trace                      # the row's P wave is flattened
    page.get_by_text("How each model's explanation changes").click()
    wait_idle(page)
    for title in ("the beat as it was", "the beat as changed"):
        panel = page.locator(".js-plotly-plot").filter(has_text=title)
        panel.first.wait_for(timeout=60_000)
        assert "LSTM: towards" in panel.first.text_content() and "CNN: towards" in panel.first.text_content()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "browser_whatif.png"))


def test_a_quiz_is_answered_then_revealed_and_its_code_gives_the_same_beats(browser):
    """Quiz: the label and the models' calls stay hidden until the class answers; the reveal
    shows them and the score counts the answer; the set code draws the same beats again."""
    import re

    url, tabs = browser
    page = open_page(tabs, url, "Quiz", viewport=(1400, 1300))
    page.get_by_role("button", name="New set").click()
    wait_idle(page)
    line = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=re.compile(r"^Set code "))
    code = re.search(r"Set code ([A-Z]\d+-\d+)", line.first.inner_text()).group(1)
    first_beat = page.locator(".gtitle").filter(has_text="beat ").first.text_content()
    revealed = page.locator('[data-testid="stAlert"]').filter(has_text="The cardiologists' label:")
    assert revealed.count() == 0                                             # hidden before
    assert page.get_by_role("button", name="Reveal").is_disabled()          # answer first
    page.locator('[data-testid="stRadio"]').filter(has_text="Your class's answer") \
        .get_by_text("V (", exact=False).click()
    wait_idle(page)
    page.get_by_role("button", name="Reveal").click()
    wait_idle(page)
    reveal = page.locator('[data-testid="stAlert"]').filter(has_text="The cardiologists' label").inner_text()
    assert re.search(r"label: [NSVFQ] .*you said V", reveal), reveal
    assert page.get_by_text(re.compile(r"^LSTM: [NSVFQ] \(\d+% sure\)")).count() == 1
    assert page.get_by_text(re.compile(r"^CNN: [NSVFQ] \(\d+% sure\)")).count() == 1
    score = page.locator('[data-testid="stDataFrame"]').last
    score.wait_for()
    assert page.get_by_text("Score: the class against the models").count() == 1
    page.screenshot(path=str(SHOTS / "browser_quiz.png"))
    # the same code on a fresh page draws the same first beat
    other = open_page(tabs, url, "Quiz", viewport=(1400, 1300))
    other.get_by_label("Or a set code from your teacher").fill(code)
    other.keyboard.press("Enter")
    wait_idle(other)
    other.get_by_role("button", name="Use the code").click()
    wait_idle(other)
    assert other.locator(".gtitle").filter(has_text="beat ").first.text_content() == first_beat
    assert page.locator('[data-testid="stException"]').count() == 0
    assert other.locator('[data-testid="stException"]').count() == 0
    other.close()
    page.close()


def test_a_lesson_runs_through_to_its_end(browser):
    """Lessons: each step says what to do and what to ask, links its page; Next to the end."""
    url, tabs = browser
    page = open_page(tabs, url, "Lessons", viewport=(1400, 1100))
    page.get_by_text("Presenter view").click()
    wait_idle(page)
    steps = 0
    while page.get_by_role("button", name="Next").count() or page.get_by_role("button", name="Finish").count():
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "Ask the class:" in main and "Do:" in main, main[:800]
        assert page.get_by_role("link", name="Open the page for this step").count() == 1
        if steps == 0:
            page.screenshot(path=str(SHOTS / "browser_lesson.png"))
        button = "Finish" if page.get_by_role("button", name="Finish").count() else "Next"
        page.get_by_role("button", name=button).click()
        wait_idle(page)
        steps += 1
        assert steps <= 10
    assert steps >= 3
    assert "End of the lesson" in page.locator('[data-testid="stMain"]').inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="Start again").click()
    wait_idle(page)
    page.locator('[data-testid="stMain"]').get_by_text("Step 1 of", exact=False).first.wait_for(timeout=30_000)
    page.close()


def test_a_cart_file_opens_as_a_twelve_lead_on_paper_and_its_report_shows_it(browser, tmp_path):
    """Recordings: a cart export (pydicom's DICOM ECG), uploaded under a name that says nothing
    of its format, opens as the 12-lead sheet on ECG paper; its PDF has the sheet as a first
    page. (Reading each format is the library's: tests/test_cart.py reads every sample file,
    renamed; the page draws whatever it read the same way, and its AppTest test opens a GE MUSE
    XML, tests/test_cart.py.)"""
    import pydicom.data

    sample = Path(pydicom.data.get_testdata_file("waveform_ecg.dcm"))
    upload = tmp_path / "export.dat.bin"
    upload.write_bytes(sample.read_bytes())
    url, tabs = browser
    page = open_page(tabs, url, "Recordings")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    page.get_by_role("heading", name="The 12-lead ECG").wait_for(timeout=120_000)
    rhythm_strip(page).wait_for(timeout=120_000)
    wait_idle(page)
    sheet = page.locator('[data-testid="stPlotlyChart"]').first
    for lead in ("aVR", "V6"):
        assert sheet.get_by_text(lead, exact=True).count() >= 1, lead
    assert page.locator('[data-testid="stException"]').count() == 0
    sheet.screenshot(path=str(SHOTS / "browser_twelve_lead.png"))
    pdf = _download(page, "Printable report (PDF)")
    assert pdf.startswith(b"%PDF-") and b"/Count 2" in pdf
    (SHOTS / "twelve_lead.pdf").write_bytes(pdf)
    page.close()
