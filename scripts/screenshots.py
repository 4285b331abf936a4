"""Take a screenshot of every dashboard page for README (docs/screenshots/*.png).

Usage: python scripts/screenshots.py [--upload data/mitbih_test.csv]
Uses the committed trained_models/ and the built data/ (if any); needs Debian's chromium.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser import launch, nav, rhythm_strip, streamlit_server, wait_idle  # noqa: E402

PAGES = [("Overview", "overview"), ("Predict", "predict"), ("Beat explorer", "explorer"),
         ("Recordings", "recording"), ("Compare models", "compare"), ("Train", "train"),
         ("Learn", "learn"), ("Quiz", "quiz"), ("Lessons", "lessons")]


def main() -> int:
    from playwright.sync_api import sync_playwright

    from ecgdash import load_beats
    from ecgdash.datasets.mitbih import write_kaggle_csv

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--upload", default=str(ROOT / "data" / "mitbih_test.csv"))
    parser.add_argument("--rows", type=int, default=2000, help="rows of the upload to use")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        upload = None
        if Path(args.upload).is_file():
            beats = load_beats(args.upload)
            upload = Path(tmp) / "mitbih_test_sample.csv"
            write_kaggle_csv(upload, beats.X[:args.rows], beats.y[:args.rows] if beats.y is not None else None)
        with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url, sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(url)
            wait_idle(page)
            for title, slug in PAGES:
                nav(page, title)
                wait_idle(page)
                if slug == "recording":
                    # record 208 (ventricular and fusion beats): the full record from data/mitdb
                    # when there is one, else the shipped 5-minute excerpt (the first example)
                    local = page.get_by_text("A record from data/mitdb")
                    (local if local.count() else page.get_by_text("An example", exact=True)).click()
                    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=120_000)
                    wait_idle(page)
                    if local.count():
                        record = page.locator('[data-testid="stSelectbox"]').filter(has_text="Record")
                        record.locator("input").fill("208")
                        page.keyboard.press("Enter")
                        wait_idle(page)
                    page.wait_for_timeout(3000)
                    wait_idle(page)
                    rhythm_strip(page).scroll_into_view_if_needed()      # the strip, not the form
                    page.mouse.move(640, 400)
                    page.mouse.wheel(0, -60)
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(out / "recording.png"))
                    print("wrote", out / "recording.png")
                    # ECG paper and a caliper from one R peak to the next (a drag)
                    page.get_by_text("ECG paper and calipers").click()
                    wait_idle(page)
                    page.wait_for_timeout(1500)
                    strip = rhythm_strip(page)
                    strip.scroll_into_view_if_needed()
                    box = strip.locator(".nsewdrag").first.bounding_box()
                    y = box["y"] + 0.55 * box["height"]
                    page.mouse.move(box["x"] + 0.30 * box["width"], y)
                    page.mouse.down()
                    page.mouse.move(box["x"] + 0.38 * box["width"], y + 15, steps=8)
                    page.mouse.up()
                    wait_idle(page)
                    page.wait_for_timeout(1500)
                    page.mouse.wheel(0, 150)
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(out / "paper.png"))
                    print("wrote", out / "paper.png")
                    # template review: the first two questions answered (record 208's largest
                    # cluster is its normal beats, the next its PVCs)
                    page.get_by_text("ECG paper and calipers").click()
                    wait_idle(page)
                    for cls in ("N", "V"):
                        page.get_by_role("button", name=cls, exact=True).click()
                        wait_idle(page)
                    page.get_by_text("Template review: label groups of beats").first.scroll_into_view_if_needed()
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(out / "review.png"))
                    print("wrote", out / "review.png")
                    continue
                if slug == "quiz":
                    page.get_by_role("button", name="New set").click()
                    wait_idle(page)
                    page.locator('[data-testid="stRadio"]').filter(has_text="Your class's answer") \
                        .get_by_text("N (", exact=False).click()
                    wait_idle(page)
                    page.get_by_role("button", name="Reveal").click()
                    wait_idle(page)
                    page.mouse.move(640, 400)
                    page.mouse.wheel(0, 330)
                if slug == "predict" and upload:
                    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
                    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=120_000)
                    wait_idle(page)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / f"{slug}.png"))
                print("wrote", out / f"{slug}.png")
                if slug == "explorer" and page.get_by_text("Explain this beat").count():
                    page.get_by_text("Explain this beat").click()
                    wait_idle(page)
                    page.get_by_text("Why? Explanations").first.scroll_into_view_if_needed()
                    page.wait_for_timeout(2500)
                    page.mouse.wheel(0, 80)
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(out / "explain.png"))
                    print("wrote", out / "explain.png")
                    # the What-if lab: a wider QRS, both models answering the changed beat
                    page.get_by_text("What if? Change this beat").first.scroll_into_view_if_needed()
                    page.get_by_role("slider", name="QRS width (x)").focus()
                    for _ in range(6):
                        page.keyboard.press("ArrowRight")
                    wait_idle(page)
                    page.get_by_text("What if? Change this beat").first.scroll_into_view_if_needed()
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(out / "whatif.png"))
                    print("wrote", out / "whatif.png")
            # a DS2 beat in its recording (needs the built data and its records), in a fresh tab
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(url)
            wait_idle(page)
            nav(page, "Beat explorer")
            wait_idle(page)
            page.locator('[data-testid="stSelectbox"]').first.click()
            page.keyboard.type("Built DS2")
            page.keyboard.press("Enter")
            wait_idle(page)
            found = page.locator(".js-plotly-plot").filter(has_text="In its recording")
            if found.count():
                found.first.scroll_into_view_if_needed()
                page.mouse.wheel(0, -250)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / "beat_in_recording.png"))
                print("wrote", out / "beat_in_recording.png")
            browser.close()
    report_png(out)
    return 0


def report_png(out: Path) -> None:
    """The printable report's page (as the Recordings page makes it) as a PNG, for README."""
    from ecgdash.io.examples import examples
    from ecgdash.models import store
    from ecgdash.pipeline.record import analyze_record
    from ecgdash.report import printable

    example = next(e for e in examples(kind="recording") if "208" in e.key)
    result = analyze_record(example.path)
    cards = {name: store.load_card(name) for name in result.probas}
    printable.recording_page(result, cards=cards).savefig(out / "report.png", dpi=110)
    print("wrote", out / "report.png")


if __name__ == "__main__":
    sys.exit(main())
