"""A class on one laptop, measured without browsers: ``python benchmarks/bench_class.py
--sessions 1,30,60 --arrival 60 [--own-files] [--burst] --json FILE``.

One server, started as the README starts it (``streamlit run app.py``, the shipped
``.streamlit/config.toml``), and N headless sessions (``headless.Headless``: the messages a
browser sends over the app's WebSocket, no browser), arriving over ``--arrival`` seconds (at
once with ``--burst``), each reading 3-8 s (seeded) between its clicks:

- **shared** class: Overview, Predict's example, the Recordings example, the Quiz (a new set,
  three answers revealed), a What-if step in the Beat explorer, a sidebar click (Compare);
- **own files** class (``--own-files``): each student uploads a different 30-minute recording
  (``--records DIR``, MIT-BIH's by default) to Recordings and labels two clusters of its template
  review, then a different 500-beat CSV to Predict, through the upload endpoint as a browser does.

Prints per class and N: each step's p50 / p95 / max (click to the script finished), errors (an
exception or an error box in a reply), the server's RSS before, at its peak and after every
session has closed and Streamlit's disconnected-session time (``--settle``) has passed, and its
CPU seconds. ``--json FILE`` writes a list, one entry per class and N:
``{"class", "sessions", "steps": {step: {"p50", "p95", "max"}}, "errors", "rss_before_mb",
"peak_rss_mb", "rss_after_mb", "cpu_s"}``. Issue 34's targets are in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
import serve_class  # noqa: E402
from browser import free_port as _free_port  # noqa: E402
from browser import streamlit_server  # noqa: E402
from headless import Headless, summary  # noqa: E402


class ServerWatch:
    """The server processes' RSS (summed, sampled every 0.2 s) and CPU seconds."""

    def __init__(self, pids=None):
        self.procs = ([psutil.Process(pid) for pid in pids] if pids else
                      [p for p in psutil.Process().children(recursive=True) if "streamlit" in " ".join(p.cmdline())])
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def rss_mb(self) -> float:
        return sum(p.memory_info().rss for p in self.procs) / 2 ** 20

    def cpu_s(self) -> float:
        return sum(t.user + t.system for t in (p.cpu_times() for p in self.procs))

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss_mb())
            time.sleep(0.2)

    def __enter__(self):
        self.peak = self.rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


async def shared_steps(s: Headless, read):
    await s.open()
    await read()
    await s.page("Predict")
    await s.choose("Example: 500 test beats")
    await read()
    await s.page("Recordings")
    await s.choose("An example")
    await read()
    await s.page("Quiz")
    await s.press("New set")
    for _ in range(3):
        await read()
        answer = next(el for kind, el in s.widgets.values() if kind == "radio" and "answer" in el.label.lower())
        await s.choose(answer.options[0], label=answer.label, step="quiz answer")
        await s.press("Reveal")
        if not any(kind == "button" and el.label == "Next beat" for kind, el in s.widgets.values()):
            break                                   # the set's last beat
        await s.press("Next beat")
    await read()
    await s.page("Beat explorer")
    await s.set_slider("QRS width (x)", 1.5)
    await read()
    await s.page("Compare models")


def browser_steps(url: str) -> list[tuple[str, float]]:
    """The shared class's steps by one real Chromium session (Playwright): each step's time from
    the click to the server's last "script finished" (read off the page's WebSocket)."""
    from bench_load import ServerAnswers
    from browser import launch, nav, wait_idle
    from playwright.sync_api import sync_playwright

    times: list[tuple[str, float, float]] = []   # (step, click to finished, sent to finished)
    runs: list[tuple[str, int]] = []              # script runs the step made the server do
    sent: list[float] = []                        # when the page sent each message to the server
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        answers = ServerAnswers(page)
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.perf_counter())))

        def step(name, action):
            t = time.perf_counter()
            action()
            wait_idle(page, timeout=120_000)
            waited = answers.step(t)
            first = next((x for x in sent if x >= t), None)
            times.append((name, waited, waited - (first - t) if first is not None else float("nan")))
            runs.append((name, sum(1 for f in answers.times if f >= t)))

        def button(label):
            return lambda: page.get_by_role("button", name=label, exact=True).click()

        step("open", lambda: page.goto(url))
        step("page Predict", lambda: nav(page, "Predict"))
        step("choose Example: 500 test beats", lambda: page.get_by_text("Example: 500 test beats").click())
        step("page Recordings", lambda: nav(page, "Recordings"))
        step("choose An example", lambda: page.get_by_text("An example", exact=True).click())
        step("page Quiz", lambda: nav(page, "Quiz"))
        step("press New set", button("New set"))
        for _ in range(3):
            answer = page.locator('[data-testid="stRadio"]').filter(has_text="Your class's answer")
            step("quiz answer", lambda: answer.get_by_text("N (", exact=False).click())
            step("press Reveal", button("Reveal"))
            if not page.get_by_role("button", name="Next beat", exact=True).count():
                break
            step("press Next beat", button("Next beat"))
        step("page Beat explorer", lambda: nav(page, "Beat explorer"))
        slider = page.get_by_role("slider", name="QRS width (x)")
        step("slider QRS width (x)", lambda: (slider.focus(), slider.press("ArrowRight")))
        step("page Compare models", lambda: nav(page, "Compare models"))
        if page.locator('[data-testid="stException"]').count():
            times.append(("error: an exception on the page", float("nan"), float("nan")))
        browser.close()
    return times, runs


def against_browser(url: str, read_s=(0.0, 0.0), seed: int = 34) -> list[dict]:
    """The same steps by one Chromium session and one headless session, one after the other on
    the idle server: per step the median of each and their ratio (larger over smaller)."""
    chromium, runs = browser_steps(url)
    session = asyncio.run(run_class(url, 1, 0, True, shared_steps, read_s, seed))[0]
    headless = session.times
    rows = []
    for name in dict.fromkeys(n for n, *_ in chromium):
        a = [t for n, t, _ in chromium if n == name]
        served = [t for n, _, t in chromium if n == name]
        b = [t for n, t in headless if n == name]
        if not a or not b:
            continue
        ca, cs, hb = float(np.median(a)), float(np.median(served)), float(np.median(b))
        rows.append({"step": name, "chromium": round(ca, 3), "chromium_served": round(cs, 3), "headless": round(hb, 3),
                     "ratio": round(max(cs, hb) / max(min(cs, hb), 1e-3), 2),
                     "chromium_runs": max(r for n, r in runs if n == name)})
    return rows


def _beat_csv(index: int) -> bytes:
    """A different 500-beat CSV for each student: rows of the built test split when there is one,
    else the shipped example's rows, shuffled by the student's number."""
    built = ROOT / "data" / "mitbih_test.csv"
    source = built if built.is_file() else ROOT / "data" / "examples" / "mitbih_test_500.csv"
    lines = source.read_text().splitlines()
    rng = np.random.default_rng(index)
    return ("\n".join(lines[i] for i in rng.choice(len(lines), 500, replace=len(lines) < 500)) + "\n").encode()


def _record_files(folder: Path, index: int) -> list[tuple[str, bytes]]:
    names = sorted(p.stem for p in folder.glob("*.hea"))
    name = names[index % len(names)]
    return [(f"{name}{e}", (folder / f"{name}{e}").read_bytes()) for e in (".hea", ".dat", ".atr")
            if (folder / f"{name}{e}").is_file()]


def own_files_steps(records: Path):
    async def steps(s: Headless, read, index: int):
        await s.open()
        await read()
        await s.page("Recordings")
        await s.upload("record_upload", _record_files(records, index))
        for _ in range(2):                                  # two clusters of the template review
            await read()
            await s.press("N")
        await read()
        await s.page("Predict")
        await s.upload("beats_upload", [(f"beats_{index}.csv", _beat_csv(index))])
    return steps


async def one_session(url, index, start_at, steps, read_s, seed, results):
    rng = random.Random(seed + index)
    await asyncio.sleep(start_at)
    s = Headless(url)

    async def read():
        await asyncio.sleep(rng.uniform(*read_s))

    try:
        if steps is shared_steps:
            await steps(s, read)
        else:
            await steps(s, read, index)
    except Exception as exc:              # the benchmark reports what went wrong, and goes on
        s.errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await s.close()
    results.append(s)


#: The pages one more session (the teacher's) clicks through in the sidebar while a class runs.
SIDEBAR = ("Compare models", "Learn", "Quiz", "Overview", "Lessons")


async def sidebar_clicks(url, read_s, seed, done: asyncio.Event, results):
    """One more session clicking sidebar pages (reading 3-8 s between) until the class is done."""
    rng = random.Random(seed - 1)
    s = Headless(url)
    try:
        await s.open()
        while not done.is_set():
            for name in SIDEBAR:
                await asyncio.sleep(rng.uniform(*read_s))
                if done.is_set():
                    break
                await s.page(name, step="sidebar click beside the class")
    except Exception as exc:
        s.errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await s.close()
    results.append(s)


async def run_class(url, n, arrival, burst, steps, read_s, seed, beside: bool = False):
    rng = random.Random(seed)
    starts = [0.0] * n if burst else sorted(rng.uniform(0, arrival) for _ in range(n))
    results: list[Headless] = []
    done = asyncio.Event()
    teacher = asyncio.create_task(sidebar_clicks(url, read_s, seed, done, results)) if beside else None
    await asyncio.gather(*(one_session(url, i, starts[i], steps, read_s, seed, results) for i in range(n)))
    done.set()
    if teacher is not None:
        await teacher
    return results


def measure(url, watch, label, n, arrival, burst, steps, read_s, seed, settle, beside=False):
    before, cpu0, client0 = watch.rss_mb(), watch.cpu_s(), time.process_time()
    watch.peak = before
    t0 = time.perf_counter()
    sessions = asyncio.run(run_class(url, n, arrival, burst, steps, read_s, seed, beside))
    wall = time.perf_counter() - t0
    cpu, client_cpu = watch.cpu_s() - cpu0, time.process_time() - client0
    time.sleep(settle)
    by_step: dict[str, list[float]] = {}
    for s in sessions:
        for step, seconds in s.times:
            by_step.setdefault(step, []).append(seconds)
    errors = [e for s in sessions for e in s.errors]
    return {"class": label, "sessions": n, "burst": burst, "wall_s": round(wall, 1),
            "steps": {k: summary(v) for k, v in by_step.items()}, "errors": len(errors),
            "error_examples": errors[:5], "rss_before_mb": round(before), "peak_rss_mb": round(watch.peak),
            "rss_after_mb": round(watch.rss_mb()), "cpu_s": round(cpu, 1), "client_cpu_s": round(client_cpu, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,30,60")
    parser.add_argument("--arrival", type=float, default=60.0)
    parser.add_argument("--own-files", action="store_true")
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--read", default="3,8", help="seconds of reading between clicks (low,high)")
    parser.add_argument("--settle", type=float, default=70.0,
                        help="seconds after the last session before RSS is read again (Streamlit keeps a "
                             "disconnected session server.disconnectedSessionTTL seconds: 60 in .streamlit/config.toml)")
    parser.add_argument("--records", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    parser.add_argument("--seed", type=int, default=34)
    parser.add_argument("--processes", type=int, default=1,
                        help="Streamlit processes; more than 1: behind nginx with sticky sessions "
                             "(scripts/serve_class.py)")
    parser.add_argument("--browser", action="store_true",
                        help="first: one real Chromium session and one headless session run the shared "
                             "steps on the idle server; their step times side by side")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    read_s = tuple(float(v) for v in args.read.split(","))
    label, steps = ("own-files", own_files_steps(Path(args.records))) if args.own_files else ("shared", shared_steps)
    out = []
    with contextlib.ExitStack() as stack:
        if args.processes > 1:
            port = _free_port()
            url, procs = stack.enter_context(serve_class.serve(args.processes, port=port, address="127.0.0.1",
                                                               quiet=True, env={"TF_CPP_MIN_LOG_LEVEL": "2"}))
            watch = stack.enter_context(ServerWatch([p.pid for p in procs]))
            backends = [f"http://127.0.0.1:{port + 1 + i}" for i in range(args.processes)]
        else:
            url = stack.enter_context(streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}))
            watch = stack.enter_context(ServerWatch())
            backends = [url]
        for backend in backends:                       # warm every process: models, examples
            asyncio.run(run_class(backend, 1, 0, True, shared_steps, (0, 0), args.seed))
        time.sleep(1)
        if args.browser:
            rows = against_browser(backends[0])
            out.append({"class": "browser against headless", "sessions": 1, "steps": rows})
            print("\nOne Chromium session and one headless session, one after the other on the idle server:")
            print("(Chromium: from the click, and from its message to the server, to the server's last script "
                  "finished; headless: from its message)")
            print("| step | Chromium, click | Chromium, message | its script runs | headless | ratio (messages) |\n"
                  "|---|---|---|---|---|---|")
            for r in rows:
                print(f"| {r['step']} | {r['chromium']:.2f} s | {r['chromium_served']:.2f} s | {r['chromium_runs']} | "
                      f"{r['headless']:.2f} s | {r['ratio']:.2f}"
                      + (" (differ by more than 1.5x)" if r["ratio"] > 1.5 else "") + " |")
        for n in (int(v) for v in args.sessions.split(",")):
            entry = {"processes": args.processes, **measure(url, watch, label, n, args.arrival, args.burst, steps,
                                                            read_s, args.seed, args.settle, beside=args.own_files)}
            out.append(entry)
            how = "at once" if args.burst else f"over {args.arrival:g} s"
            print(f"\n{label}, {args.processes} process{'es' if args.processes > 1 else ''}, "
                  f"{n} session{'s' if n != 1 else ''} {how}: "
                  f"{entry['wall_s']} s, {entry['errors']} errors, server RSS {entry['rss_before_mb']} -> peak "
                  f"{entry['peak_rss_mb']} -> {entry['rss_after_mb']} MB after {args.settle:g} s, CPU {entry['cpu_s']} s "
                  f"(the headless clients: {entry['client_cpu_s']} s)")
            print("| step | p50 | p95 | max |\n|---|---|---|---|")
            for step, v in entry["steps"].items():
                print(f"| {step} | {v['p50']:.2f} s | {v['p95']:.2f} s | {v['max']:.2f} s |")
            for e in entry["error_examples"]:
                print("  error:", e)
            sys.stdout.flush()
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 1 if any(e.get("errors") for e in out) else 0


if __name__ == "__main__":
    raise SystemExit(main())
