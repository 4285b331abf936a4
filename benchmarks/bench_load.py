"""Several classes at once: N browser sessions on one server, each running a lesson's first steps.

  python benchmarks/bench_load.py [--sessions 1,10] [--rounds 1]

For each N: a fresh server (the shipped ``.streamlit/config.toml``, as the README starts it),
then N sessions at once, each its own Chromium (Debian's, through Playwright) in its own
process: open the app, Predict -> "Example: 500 test beats" until both models' table is shown,
then Recordings -> "An example" until the rhythm strip is drawn. While they run, one more
session clicks between two pages in the sidebar and times each click until the page is idle.
Prints per N: the sessions' times (median and slowest) and the server's share of them (for
each step, click to the server's last "script finished" message, before the browser has drawn
it), the clicks' times, any error the pages showed, and where the CPU went from the start signal to the last session's end: the
server's seconds, and the browsers' (every Chromium process). On one machine the browsers share
the cores with the server; in a classroom each student's browser runs on their own computer,
so the server's seconds per session are what a class adds to the server. Issue 23's targets:
10 sessions within 2x one session's time, clicks <= 2 s.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402 (comes with dask's distributed, in requirements.txt)
from browser import launch, nav, streamlit_server, wait_idle  # noqa: E402


def cpu_seconds(processes) -> float:
    """User + system CPU seconds of ``processes`` (those gone meanwhile count 0)."""
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def split_cpu() -> tuple[float, float]:
    """(server, everything else) CPU seconds so far of this process's descendants: the server
    is the one running ``streamlit``; the rest are the sessions' browsers and drivers."""
    server, others = [], []
    for proc in psutil.Process().children(recursive=True):
        try:
            (server if "streamlit" in " ".join(proc.cmdline()) else others).append(proc)
        except psutil.Error:
            pass
    return cpu_seconds(server), cpu_seconds(others)


class ServerAnswers:
    """When the server said each script run of a page was finished: the ``script_finished``
    messages on the page's websocket, timed as Playwright receives them (before the browser
    draws what came with them)."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.times: list[float] = []
        self._parse = ForwardMsg.FromString
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            try:
                if self._parse(bytes(payload)).WhichOneof("type") == "script_finished":
                    self.times.append(time.perf_counter())
            except Exception:  # noqa: BLE001 (not a ForwardMsg: not ours to time)
                pass

    def step(self, t0: float) -> float:
        """Seconds from ``t0`` to the last run finished since (0 when none)."""
        done = [t for t in self.times if t >= t0]
        return max(done) - t0 if done else 0.0


def session(url: str, start, stop, out, cores=None) -> None:
    """One student's flow; puts (seconds, the server's share, error or None) on ``out``; keeps
    its browser until ``stop`` (so that its CPU time is still counted at the end). The server's
    share: for each step, the time from the click to the server's last "script finished"."""
    from playwright.sync_api import sync_playwright

    if cores:
        psutil.Process().cpu_affinity(cores)     # the browser it starts inherits them
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(600_000)      # under load a page may take minutes, not 30 s
        answers = ServerAnswers(page)
        start.wait()
        t0 = time.perf_counter()
        error, served = None, 0.0
        steps = [
            lambda: page.goto(url, timeout=600_000),
            lambda: nav(page, "Predict", timeout=600_000),
            lambda: (page.get_by_text("Example: 500 test beats").click(),
                     page.wait_for_selector('[data-testid="stDataFrame"]', timeout=600_000)),
            lambda: nav(page, "Recordings", timeout=600_000),
            lambda: (page.get_by_text("An example", exact=True).click(),
                     page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot',
                                            timeout=600_000)),
        ]
        try:
            for step in steps:
                t = time.perf_counter()
                step()
                wait_idle(page, timeout=600_000)
                served += answers.step(t)
            if page.locator('[data-testid="stException"]').count():
                error = "a Streamlit exception on the page"
        except Exception as exc:   # the benchmark reports what went wrong, then goes on
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
        out.put((time.perf_counter() - t0, served, error))
        stop.wait(timeout=1800)
        browser.close()


def clicker(url: str, start, stop, out, cores=None) -> None:
    """A session already on the app that switches between two light pages, timing each click."""
    from playwright.sync_api import sync_playwright

    if cores:
        psutil.Process().cpu_affinity(cores)

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url, timeout=600_000)
        wait_idle(page, timeout=600_000)
        start.wait()
        times, names = [], ["Learn", "Overview"]
        while not stop.is_set() and len(times) < 20:
            t0 = time.perf_counter()
            nav(page, names[len(times) % 2], timeout=600_000)
            wait_idle(page, timeout=600_000)
            times.append(time.perf_counter() - t0)
            time.sleep(1.0)
        out.put(times)
        browser.close()


def run(n: int, pin: bool = False) -> dict:
    """``n`` sessions and the clicker on a fresh server. ``pin``: the server on the first core,
    the browsers on the others (as if each class's browsers ran on other computers)."""
    ctx = mp.get_context("spawn")
    me = psutil.Process()
    everything = me.cpu_affinity()
    cores = everything[1:] if pin and len(everything) > 1 else None
    if cores:
        me.cpu_affinity(everything[:1])          # the server started next inherits it
    with streamlit_server({"TF_CPP_MIN_LOG_LEVEL": "2"}) as url:
        me.cpu_affinity(everything)
        start, stop, results, clicks = ctx.Event(), ctx.Event(), ctx.Queue(), ctx.Queue()
        procs = [ctx.Process(target=session, args=(url, start, stop, results, cores)) for _ in range(n)]
        click = ctx.Process(target=clicker, args=(url, start, stop, clicks, cores))
        for proc in [*procs, click]:
            proc.start()
        time.sleep(15)                     # the browsers start before the clock does
        server0, others0 = split_cpu()
        start.set()
        rows = [results.get(timeout=1800) for _ in procs]
        server1, others1 = split_cpu()
        stop.set()
        click_times = clicks.get(timeout=600)
        for proc in [*procs, click]:
            proc.join(timeout=60)
    seconds = [s for s, _, e in rows if not e] or [float("nan")]   # failed sessions: no time
    served = [v for _, v, e in rows if not e] or [float("nan")]
    return {"sessions": n, "median_s": statistics.median(seconds), "max_s": max(seconds),
            "served_median_s": statistics.median(served), "served_max_s": max(served),
            "errors": [e for _, _, e in rows if e], "clicks_s": click_times or [float("nan")],
            "server_cpu_s": server1 - server0, "browser_cpu_s": others1 - others0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,10")
    parser.add_argument("--pin", action="store_true",
                        help="the server on one core of its own, the browsers on the others")
    args = parser.parse_args(argv)
    for n in map(int, args.sessions.split(",")):
        r = run(n, pin=args.pin)
        clicks = r["clicks_s"]
        print(f"{n} session(s): median {r['median_s']:.1f} s, slowest {r['max_s']:.1f} s (the "
              f"server's share: median {r['served_median_s']:.1f} s, slowest "
              f"{r['served_max_s']:.1f} s); sidebar "
              f"clicks under that load: median {statistics.median(clicks):.1f} s, slowest "
              f"{max(clicks):.1f} s ({len(clicks)} clicks); {len(r['errors'])} of {n} failed"
              + (f": {r['errors'][0].splitlines()[0]}" if r["errors"] else "")
              + f". CPU: server {r['server_cpu_s']:.1f} s ({r['server_cpu_s'] / n:.1f} s a session), "
              f"browsers {r['browser_cpu_s']:.1f} s, on {psutil.cpu_count()} cores"
              + (" (the server pinned to one, the browsers to the rest)" if args.pin else ""), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
