"""How fast template review answers on a 30-minute record: ``python benchmarks/bench_review.py
[--record 208] [--clicks 6]``.

Two parts. **Library** (no browser): after ``analyze_record`` (not timed), the first question
(grouping the beats, ``cluster_beats``, then ``next_questions``), and each click (the answer,
both models' reviewed calls, counts and table, the next questions). **Browser**: one server as
the README starts it, one Chromium on Recordings with the record from ``data/mitdb`` (``python
-m ecgdash data fetch`` first); each click of an answer button is timed until the page says the
new click count and the beats-per-class chart has changed. Issue 31's targets: first question
<= 2 s after the analysis, a click <= 1 s. Prints the median and the slowest of each.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_teach import COUNTS  # noqa: E402
from browser import launch, open_page, streamlit_server, wait_idle  # noqa: E402

from ecgdash.config import data_dir  # noqa: E402
from ecgdash.report.predictions import beat_table  # noqa: E402


def library(folder: Path, record: str, clicks: int) -> dict[str, list[float]]:
    from ecgdash.ecg.clusters import cluster_beats
    from ecgdash.pipeline.record import analyze_record
    from ecgdash.review.calls import reviewed_analysis
    from ecgdash.review.questions import next_questions
    from ecgdash.review.reader import majority
    from ecgdash.review.session import Review

    result = analyze_record(folder / record)
    signal = result.recording.lead_signal(result.lead)
    t0 = time.perf_counter()
    groups = cluster_beats(signal.signal, signal.fs, result.beats.sample)
    asked = next_questions(Review(len(result.beats)), groups.cluster, result.probas, readable=result.readable,
                           shapes=groups.shapes)
    times = {"first question after the analysis": [time.perf_counter() - t0]}
    review = Review(len(result.beats))
    for _ in range(clicks):
        q = asked[0]
        t0 = time.perf_counter()
        review = review.answer(q.beats, majority(result.reference, q.beats), key=q.key, kind=q.kind)
        shown = reviewed_analysis(result, review)
        shown.counts, beat_table(shown), shown.model_quality      # what the page shows after a click
        asked = next_questions(review, groups.cluster, result.probas, readable=result.readable,
                               shapes=groups.shapes)
        times.setdefault("a click: calls, counts, table, next question", []).append(time.perf_counter() - t0)
        if not asked:
            break
    print(f"library, record {record}: {len(result.beats):,} beats, {result.recording.duration / 60:.0f} min")
    return times


def browser(record: str, clicks: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {}
    with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url, sync_playwright() as p:
        page = open_page(launch(p), url, "Recordings", viewport=(1400, 2400))
        page.get_by_text("A record from data/mitdb", exact=True).click()
        wait_idle(page)
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Record").first.click()
        page.keyboard.type(record)
        page.keyboard.press("Enter")
        page.get_by_text("No label yet.", exact=True).wait_for(timeout=300_000)
        wait_idle(page)
        for k in range(1, clicks + 1):
            sentence = page.locator('[data-testid="stRadio"]').filter(has_text="Next:").first.text_content()
            called = re.search(r"Next: .*? (?:calls most of them|says) ([NSVFQ])", sentence).group(1)
            now = re.search(r"labelled ([NSVFQ]) with", sentence)
            label = next(c for c in "NSV" if c != called and (now is None or c != now.group(1)))
            before = page.evaluate(COUNTS)
            t0 = time.perf_counter()
            page.get_by_role("button", name=label, exact=True).click()
            page.wait_for_function(
                "([s, b]) => document.body.textContent.includes(s) && (" + COUNTS + ")() !== b",
                arg=[f"{k} click{'s' if k > 1 else ''}: labels reached", before], timeout=120_000, polling=20)
            times.setdefault("a click -> new count and chart (browser)", []).append(time.perf_counter() - t0)
            wait_idle(page)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", default="208")
    parser.add_argument("--clicks", type=int, default=6)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    folder = data_dir() / "mitdb"
    if not (folder / f"{args.record}.hea").is_file():
        print(f"needs record {args.record} in {folder}: python -m ecgdash data fetch [--source DIR]")
        return 1
    times = library(folder, args.record, args.clicks)
    if not args.no_browser:
        times.update(browser(args.record, args.clicks))
    print("| step | median | slowest | tries |\n|---|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} s | {max(values):.2f} s | {len(values)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
