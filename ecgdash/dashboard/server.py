"""What one Streamlit server shared by a class needs beyond Streamlit's defaults.

**Closed tabs give their memory back.** Streamlit keeps a closed tab's session for
``server.disconnectedSessionTTL`` seconds (a student back from a Wi-Fi drop finds the page as it
was), in a store that removes expired sessions only when another session is stored: after the
last class of the day, thirty students' uploads and analyses stayed in memory until the server
stopped (measured: 877 MB before a class of thirty with their own files, 2,223 MB five minutes
after). ``free_closed_sessions`` ends such sessions as Streamlit would (``AppSession.shutdown``:
uploaded files, tables and caches of the session released) once their time has passed, and gives
the freed heap back to the system.

Streamlit calls ``keras.backend.clear_session()`` after every script run of every session
(``streamlit.runtime.scriptrunner.script_runner._clean_problem_modules``), for apps that build
a new model on each run. This app loads its models once per process and never builds one per
run, and the call ends in a full ``gc.collect()`` that holds the interpreter lock: measured with
py-spy on the Predict and Recordings examples, 124 of the server's 431 samples (29 %) of one
session, and every other session waits meanwhile. ``keep_keras_state`` leaves Keras alone and
keeps Streamlit's other clean-up (matplotlib's figures).
"""
from __future__ import annotations

import ctypes
import gc
import logging
import sys
import threading

from streamlit import runtime
from streamlit.runtime.scriptrunner import script_runner

_LOG = logging.getLogger(__name__)
#: How often closed sessions past their time are looked for (seconds).
FREE_EVERY_S = 15.0
_FREEING: list[threading.Thread | None] = []
_FREEING_LOCK = threading.Lock()


def _clean_up_but_keras() -> None:
    """Streamlit's clean-up after a script run, without resetting Keras."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:  # noqa: BLE001 (as Streamlit: a clean-up never ends the app)
            pass


def keep_keras_state() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after each script run.

    Idempotent; call it from ``app.py``. Raises AttributeError if Streamlit no longer has the
    function it replaces (a newer Streamlit: look again at what it does after a run).
    """
    if not hasattr(script_runner, "_clean_problem_modules"):
        raise AttributeError("streamlit's script_runner._clean_problem_modules is gone: check "
                             "what this Streamlit version cleans up after a script run.")
    script_runner._clean_problem_modules = _clean_up_but_keras


def _session_store():
    """Streamlit's store of closed sessions and the lock it takes around it (private parts of
    ``WebsocketSessionManager`` and ``MemorySessionStorage``); AttributeError when they are gone."""
    manager = runtime.get_instance()._session_mgr
    cache = manager._session_storage._cache
    if not callable(getattr(cache, "expire", None)):
        raise AttributeError("streamlit's session storage has no expire(): check how this Streamlit "
                             "version keeps disconnected sessions.")
    return cache, manager._storage_lock


def end_closed_sessions() -> int:
    """End the sessions whose tab closed more than ``server.disconnectedSessionTTL`` ago; returns
    how many. Each is shut down as Streamlit shuts down a session (its uploaded files, tables and
    session caches released); then, on glibc, ``malloc_trim`` returns the memory to the system,
    after a full garbage collection when no session is open (it holds every other session about
    half a second: measured, 60 students' worst p95 was 1.79 s with a collection at every end,
    0.90 s without, while the previous class's sessions were being ended). Nothing happens when none is due."""
    if not runtime.exists():
        return 0
    cache, lock = _session_store()
    with lock:
        ended = cache.expire()
    for _, info in ended:
        try:
            info.session.shutdown()
        except Exception:  # noqa: BLE001 (a session that fails to end must not stop the others)
            _LOG.exception("ending a closed session failed")
    if ended:
        # a full collection holds the interpreter lock about half a second: only with nobody on
        if runtime.get_instance()._session_mgr.num_active_sessions() == 0:
            gc.collect()
        _trim_heap()
    return len(ended)


def _trim_heap() -> None:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``; nothing elsewhere)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _free_forever(every_s: float) -> None:
    event = threading.Event()
    while not event.wait(every_s):
        try:
            end_closed_sessions()
        except Exception:  # noqa: BLE001 (the server goes on; the log says why)
            _LOG.exception("freeing closed sessions failed")


def free_closed_sessions(every_s: float = FREE_EVERY_S) -> None:
    """Start, once per process, a thread that calls ``end_closed_sessions`` every ``every_s``
    seconds. Call it from ``app.py``. Where Streamlit keeps no such store (its test harness, a
    newer Streamlit: ``tests/test_server.py`` fails loudly on the version installed), closed
    sessions are left to Streamlit and the log says so."""
    with _FREEING_LOCK:
        if _FREEING or not runtime.exists():
            return
        try:
            _session_store()
        except AttributeError as exc:
            _LOG.warning("closed sessions are left to Streamlit (%s)", exc)
            _FREEING.append(None)
            return
        thread = threading.Thread(target=_free_forever, args=(every_s,), name="ecgdash-free-closed-sessions",
                                  daemon=True)
        thread.start()
        _FREEING.append(thread)
