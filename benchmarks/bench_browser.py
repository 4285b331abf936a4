"""Time the dashboard in a real browser (Debian chromium + Playwright), from upload to result.

  python benchmarks/bench_browser.py [--csv data/mitbih_test.csv] [--record data/mitdb/208]

Prints: the Overview's first paint on a fresh server (the sidebar's first labels and when the
page is usable); seconds from choosing the Kaggle test CSV in the Predict page's uploader until the
prediction table of all its beats is shown (both models), and from choosing a 30-minute WFDB
record's files on the Recordings page until the rhythm strip is drawn, and the same for a 30-s
CSV strip (on a fresh server, and once the models are loaded). Each is measured on a fresh
server (nothing cached), after the page itself has loaded.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser import first_paint, launch, nav, streamlit_server, wait_idle  # noqa: E402


def _open(p, url, page_name):
    browser = launch(p)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    wait_idle(page)
    nav(page, page_name)
    wait_idle(page)
    return browser, page


def time_predict(p, url, csv: Path, beats: int) -> float:
    browser, page = _open(p, url, "Predict")
    t0 = time.perf_counter()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    page.get_by_text(f"{beats:,} of {beats:,} beats shown").wait_for(timeout=300_000)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=300_000)
    seconds = time.perf_counter() - t0
    browser.close()
    return seconds


#: The rhythm strip, drawn (its legend names the signal's lead).
STRIP = '[data-testid="stPlotlyChart"] .js-plotly-plot:has-text("signal")'


def time_recording(p, url, record: Path) -> float:
    browser, page = _open(p, url, "Recordings")
    files = [str(record.with_suffix(e)) for e in (".hea", ".dat", ".atr")]
    t0 = time.perf_counter()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(files)
    page.locator(STRIP).first.wait_for(timeout=300_000)
    seconds = time.perf_counter() - t0
    browser.close()
    return seconds


def time_strip(p, url, strip: Path, warm: bool = False, fs: int = 360) -> float:
    """Upload to rhythm strip for a 30-s CSV strip recorded at ``fs`` Hz. With ``warm``, an
    example recording is analysed first (the models load), then the upload is timed: the wait
    for a user's own strip after the first analysis."""
    browser, page = _open(p, url, "Recordings")
    chart = STRIP
    if warm:
        page.get_by_text("An example", exact=True).click()
        page.locator(chart).first.wait_for(timeout=300_000)
        wait_idle(page)
        page.get_by_text("Upload files", exact=True).click()
        page.locator(chart).first.wait_for(state="detached", timeout=60_000)
        wait_idle(page)
    # the strip has no time column: its rate is typed first, as a user must (the page asks otherwise)
    page.get_by_label("Sampling rate of a CSV/TXT (Hz)", exact=True).fill(str(fs))
    page.keyboard.press("Enter")
    wait_idle(page)
    t0 = time.perf_counter()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(strip))
    page.locator('[data-testid="stMetricValue"]', has_text="30 s").wait_for(timeout=300_000)
    page.locator(chart).first.wait_for(timeout=300_000)
    seconds = time.perf_counter() - t0
    browser.close()
    return seconds


def time_overview(p, url) -> dict:
    """A fresh server's first page: seconds until the sidebar shows titles and until the
    Overview is usable (its model cards shown, the script finished)."""
    browser = launch(p)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    seen = first_paint(page, url)
    browser.close()
    return seen


def main() -> int:
    from playwright.sync_api import sync_playwright

    from ecgdash import load_beats

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", default=str(ROOT / "data" / "mitbih_test.csv"))
    parser.add_argument("--record", default=str(ROOT / "data" / "mitdb" / "208"))
    parser.add_argument("--strip", default=str(ROOT / "data" / "examples" / "strip_119_30s.csv"))
    args = parser.parse_args()
    csv, record, strip = Path(args.csv), Path(args.record), Path(args.strip)
    with sync_playwright() as p:
        with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url:
            seen = time_overview(p, url)
        titles_s = next((t for t, labels in seen["navs"] if labels[0] == "Overview"), float("nan"))
        names_first = seen["first_nav"] is not None and seen["first_nav"][0] != "Overview"
        print(f"Overview on a fresh server: sidebar titles after {titles_s:.1f} s "
              f"(Streamlit's file-name listing shown first: {names_first}), usable after {seen['usable_s']:.1f} s")
        if csv.is_file():
            beats = len(load_beats(csv))
            with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url:
                s = time_predict(p, url, csv, beats)
            print(f"Predict: {csv.name} ({csv.stat().st_size / 1e6:.0f} MB, {beats:,} beats), "
                  f"upload to table with both models: {s:.1f} s")
        if record.with_suffix(".dat").is_file():
            with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url:
                s = time_recording(p, url, record)
            print(f"Recordings: {record.name} (30 min, 650,000 samples at 360 Hz), upload to rhythm "
                  f"strip with both models' classes: {s:.1f} s")
        if strip.is_file():
            with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url:
                cold = time_strip(p, url, strip)
            with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url:
                warm = time_strip(p, url, strip, warm=True)
            print(f"Recordings: {strip.name} (a 30-s strip), upload to rhythm strip: {cold:.1f} s "
                  f"on a fresh server (loading TensorFlow and the models), {warm:.1f} s once an "
                  "example has been analysed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
