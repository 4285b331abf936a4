"""Start the dashboard on a loopback port and drive Debian's Chromium with Playwright."""
from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import serve_class  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict | None = None, timeout: float = 90.0):
    """Run ``streamlit run app.py`` on 127.0.0.1; yields its URL; stops it by its own PID."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            serve_class.wait_healthy(url, [proc], timeout=timeout)
        except RuntimeError:
            out = proc.stdout.read() if proc.poll() is not None else ""
            raise RuntimeError(f"streamlit did not start: {out[-2000:]}") from None
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_tab(context, viewport=(1400, 1000), timeout: float = 120_000):
    """A new tab of ``context`` (a browser context: tabs of one share its cache, so a tab after
    the first loads Streamlit's scripts from it; each tab is a session of its own)."""
    page = context.new_page()
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.set_default_timeout(timeout)
    return page


#: Counts the changes of the script's run state a tab has seen (Streamlit marks its root element
#: with it: running, not running, ...); installed in a tab by ``wait_idle``, gone when the tab
#: loads a new document. Any change means a run was asked for since the count was read.
_COUNT_RUNS = """() => {
  if (window.__runStates !== undefined) return;
  window.__runStates = 0;
  new MutationObserver(records => { window.__runStates += records.length; })
    .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
}"""

#: The script has run and is not running (the running indicator shows only after a delay, so
#: its absence alone says nothing of a run that has just started).
_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


def wait_idle(page, timeout: float = 90_000, settle: float = 1000, quiet: float = 150) -> None:
    """Wait until Streamlit has finished running the script (its run state, and no indicator).

    A tab that has just loaded waits for its first run to end. After a click, whose message
    reaches the server a moment later: a change of the run state since the last call means the
    run was asked for and the wait is for its end; with no change yet, the wait for one is
    ``settle`` ms (a click that asks for no run costs that). A run that ends in ``st.rerun()``
    is followed by another: the state must stay still for ``quiet`` ms after a run ends."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    seen = getattr(page, "_run_states_seen", None)
    changes = page.evaluate("() => window.__runStates")
    if seen is not None and changes is not None and changes <= seen:
        _next_change(page, seen, settle)
    page.evaluate(_COUNT_RUNS)
    while True:
        page.wait_for_function(_IDLE, timeout=timeout)
        now = page.evaluate("() => window.__runStates")
        if not _next_change(page, now, quiet):
            break
    page._run_states_seen = page.evaluate("() => window.__runStates")


def _next_change(page, seen: int, wait: float) -> bool:
    """Whether the run state changes within ``wait`` ms of the count ``seen``."""
    try:
        page.wait_for_function("seen => window.__runStates > seen", arg=seen, timeout=wait)
        return True
    except PlaywrightTimeout:
        return False


def nav(page, name: str, timeout: float = 60_000) -> None:
    """Click the sidebar navigation entry ``name`` (exact label)."""
    link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True)
    link.wait_for(state="visible", timeout=timeout)
    link.click()


@functools.lru_cache(maxsize=1)
def page_paths() -> dict[str, str]:
    """Each navigation title of app.py -> its URL path (Streamlit names a page by its file)."""
    found = re.findall(r'st\.Page\("pages/(\w+)\.py", title="([^"]+)"', (ROOT / "app.py").read_text())
    return {title: stem for stem, title in found}


#: Servers (by URL) whose app.py has run: until it has, Streamlit answers a page's own URL
#: with its listing of pages/ (file names in the sidebar, app.py not run).
_APP_RAN: set[str] = set()


def open_page(context, url: str, name: str, viewport=(1400, 1400), timeout: float = 120_000):
    """A new tab of ``context`` on the page titled ``name``, idle; returns the tab. Opened by
    its URL once the server has run app.py, else from the Overview through the sidebar."""
    page = new_tab(context, viewport, timeout)
    if url in _APP_RAN:
        page.goto(f"{url}/{page_paths()[name]}")
        wait_idle(page, timeout=timeout)
    else:
        page.goto(url)
        wait_idle(page, timeout=timeout)
        _APP_RAN.add(url)
        nav(page, name, timeout=timeout)
        wait_idle(page, timeout=timeout)
    page.locator("h1").first.wait_for(state="visible", timeout=timeout)
    return page


def score_the_example(page, timeout: float = 120_000) -> None:
    """On Predict: pick "Example: 500 test beats" and wait for both models' table."""
    page.get_by_text("Example: 500 test beats").click()
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=timeout)
    wait_idle(page, timeout=timeout)


def analyse_the_example(page, timeout: float = 120_000) -> None:
    """On Recordings: pick "An example" (the first one) and wait for its rhythm strip."""
    page.get_by_text("An example", exact=True).click()
    rhythm_strip(page).wait_for(timeout=timeout)
    wait_idle(page, timeout=timeout)


def first_paint(page, url: str, ready_text: str = "The two models", timeout: float = 120.0) -> dict:
    """Open ``url`` and watch the sidebar from the first paint.

    Returns ``navs``: every distinct list of sidebar link labels shown, each with the seconds
    since the request (``[(seconds, labels), ...]``); ``first_nav``/``nav_s``: the first of them;
    and ``usable_s``: seconds from the request until the Overview shows ``ready_text`` and
    Streamlit has stopped running the script.
    """
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    _APP_RAN.add(url)
    navs, usable_s = [], None
    links = page.locator('[data-testid="stSidebarNav"] a')
    while time.perf_counter() - t0 < timeout:
        labels = [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts() if t.strip()]
        if labels and (not navs or navs[-1][1] != labels):
            navs.append((time.perf_counter() - t0, labels))
        if usable_s is None and page.get_by_text(ready_text).count() and not page.locator(
                '[data-testid="stStatusWidget"]').count():
            usable_s = time.perf_counter() - t0
        if navs and usable_s is not None:
            break
        page.wait_for_timeout(25)
    first_s, first_nav = navs[0] if navs else (None, None)
    return {"navs": navs, "first_nav": first_nav, "nav_s": first_s, "usable_s": usable_s}


def rhythm_strip(page):
    """The Recordings page's rhythm strip (its legend names the signal)."""
    return page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').filter(has_text="signal").first
