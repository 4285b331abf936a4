"""A server safe to share (issue 23): localhost by default, a classroom mode that writes nothing
for one user and reads no server-side folder, error details kept in the server's log."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request

import pytest
from browser import free_port
from test_app import _app, _train_on_the_train_page

from conftest import ROOT


def _non_loopback_address() -> str | None:
    """An IPv4 address of this machine other than 127.x (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))        # TEST-NET: nothing is sent, the route picks the address
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _reachable(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_the_start_command_serves_this_computer_only():
    """Started as the README says (no --server.address), the app answers on localhost and not on
    the machine's network address [0.3 listened on all interfaces]."""
    other = _non_loopback_address()
    if other is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.headless", "true", "--server.port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ECGDASH_DATA_DIR": os.devnull + "-none"})
    try:
        deadline = time.time() + 60
        while not _reachable("127.0.0.1", port):
            assert proc.poll() is None and time.time() < deadline, "streamlit did not start"
            time.sleep(0.5)
        assert not _reachable(other, port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_shipped_config_keeps_the_watcher_off_and_errors_in_the_log():
    """What Streamlit itself reads from the repository's config (run from the repository root,
    as the README's command does): a key Streamlit does not know, or a value it rejects, would
    leave its default in place, and this is what a running app gets."""
    code = ("from streamlit import config\n"
            "config.get_config_options(force_reparse=True)\n"
            "for key in ('server.address', 'server.fileWatcherType', 'client.showErrorDetails',"
            " 'runner.postScriptGC'):\n"
            "    print(key, repr(config.get_option(key)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    assert got["server.address"] == "'localhost'"          # this computer only
    assert got["server.fileWatcherType"] == "'none'"       # [0.3: "auto", walking .venv]
    assert got["client.showErrorDetails"] == "'none'"      # tracebacks in the log, not on pages
    # no full gc after each run of each session (0.4-0.5 s holding the interpreter lock)
    assert got["runner.postScriptGC"] == "False"           # [0.3: Streamlit's default, True]


def test_classroom_mode_builds_nothing_and_names_no_server_folder(monkeypatch, tmp_path):
    """With ECGDASH_CLASSROOM=1 and no data, the Overview offers no build button and no field for
    a server-side folder; it says who builds the data."""
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ECGDASH_CLASSROOM", "1")
    at = _app()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert not at.text_input and not [b for b in at.button if b.key in ("build_examples", "build_full")]
    assert any("python -m ecgdash data build" in i.value for i in at.info)
    monkeypatch.delenv("ECGDASH_CLASSROOM")
    at = _app()
    at.switch_page("pages/overview.py").run()
    assert at.text_input and at.button(key="build_examples")      # the check can fail


def test_classroom_mode_keeps_no_trained_model(eager_keras, monkeypatch, tiny_store, small_data, tmp_path):
    """A model trained on a shared server is shown beside the shipped one but never saved."""
    monkeypatch.setenv("ECGDASH_CLASSROOM", "1")
    at, _ = _train_on_the_train_page(monkeypatch, tiny_store, small_data, tmp_path)
    assert not at.exception and "candidate" in at.session_state
    assert "keep" not in {b.key for b in at.button}
    assert any("Not saved" in c.value for c in at.caption)
    # issue 23: leaving the page stops a run; the page says so before it starts
    assert any("stops it, and the run is lost" in c.value for c in at.caption)
    assert not (tmp_path / "mine").exists()


def test_a_script_run_leaves_keras_alone(monkeypatch):
    """Streamlit resets Keras after every script run (a full gc that stalls every session);
    the app stops that, and keeps the rest of Streamlit's clean-up."""
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    at = _app()
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    assert at.title, "the page ran"
    assert calls == []
    from streamlit.runtime.scriptrunner import script_runner

    assert script_runner._clean_problem_modules.__module__ == "ecgdash.dashboard.server"


def _fragment_widget_keys(page: str) -> set[str]:
    """The ``key=`` of every widget call inside a function decorated ``@st.fragment`` of a page,
    and inside the page's functions such a function calls (at any depth)."""
    import ast

    functions = {node.name: node for node in ast.parse((ROOT / page).read_text()).body
                 if isinstance(node, ast.FunctionDef)}
    todo = [name for name, node in functions.items()
            if any(ast.unparse(d) in ("st.fragment", "st.fragment()") for d in node.decorator_list)]
    keys, seen = set(), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for call in ast.walk(functions[name]):
            if isinstance(call, ast.Call):
                keys |= {kw.value.value for kw in call.keywords
                         if kw.arg == "key" and isinstance(kw.value, ast.Constant)}
                if isinstance(call.func, ast.Name) and call.func.id in functions:
                    todo.append(call.func.id)
    return keys


def test_table_filters_and_row_selection_rerun_their_fragment_only():
    """Choosing rows or filters re-runs the part of the page they change (``st.fragment``),
    not the reading, scoring and trust notes above it."""
    assert {"filter_classes", "filter_disagree", "filter_low"} <= _fragment_widget_keys("pages/predict.py")
    assert {"beat_table", "record_explain", "strip"} <= _fragment_widget_keys("pages/recording.py")


def test_the_server_sets_tensorflow_threads_from_the_environment(monkeypatch):
    from ecgdash.dashboard import caches

    asked = []
    monkeypatch.setattr(caches, "import_tensorflow_quietly", lambda threads=None: asked.append(threads))
    monkeypatch.setenv("ECGDASH_TF_THREADS", "3")
    caches.load_tensorflow()
    monkeypatch.setenv("ECGDASH_TF_THREADS", "-1")
    caches.load_tensorflow()
    assert asked == [3, None]


def test_closed_sessions_past_their_time_are_ended_and_the_others_kept(monkeypatch):
    """``server.end_closed_sessions`` against Streamlit's own session manager and store (the
    versions installed): a closed session past ``disconnectedSessionTTL`` is shut down once, one
    still within it is kept. Fails loudly when Streamlit keeps closed sessions elsewhere."""
    import types

    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.runtime.session_manager import SessionInfo
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    from ecgdash.dashboard import server

    clock = [1000.0]
    storage = MemorySessionStorage(ttl_seconds=60)
    storage._cache._timer = lambda: clock[0]
    manager = WebsocketSessionManager(storage, MemoryUploadedFileManager("/upload"), ScriptCache(), None)
    monkeypatch.setattr(server.runtime, "exists", lambda: True)
    monkeypatch.setattr(server.runtime, "get_instance", lambda: types.SimpleNamespace(_session_mgr=manager))

    ended = []

    def session(sid):
        return types.SimpleNamespace(id=sid, shutdown=lambda: ended.append(sid))

    storage.save(SessionInfo(client=None, session=session("closed early")))
    clock[0] += 45
    storage.save(SessionInfo(client=None, session=session("closed late")))
    clock[0] += 20                    # 65 s after the first closed, 20 s after the second
    assert server.end_closed_sessions() == 1 and ended == ["closed early"]
    assert storage.get("closed late") is not None and storage.get("closed early") is None
    assert server.end_closed_sessions() == 0 and ended == ["closed early"]
    clock[0] += 60
    assert server.end_closed_sessions() == 1 and ended == ["closed early", "closed late"]


def test_the_installed_libraries_whose_internals_are_used_are_within_the_bounds():
    """Streamlit's and wfdb's private parts are used within the versions the tests ran with:
    pyproject bounds both, and the versions installed here are inside those bounds."""
    from importlib.metadata import version

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["app"]]
    bounds = {r.name: r.specifier for r in wanted if r.name in ("streamlit", "wfdb")}
    assert set(bounds) == {"streamlit", "wfdb"}
    for name, spec in bounds.items():
        assert any(s.operator == "<" for s in spec), f"{name} has no upper bound in pyproject.toml"
        assert version(name) in spec, f"{name} {version(name)} is outside {spec}: check its internals"
