"""What one Streamlit server shared by a class needs beyond Streamlit's defaults.

Streamlit calls ``keras.backend.clear_session()`` after every script run of every session
(``streamlit.runtime.scriptrunner.script_runner._clean_problem_modules``), for apps that build
a new model on each run. This app loads its models once per process and never builds one per
run, and the call ends in a full ``gc.collect()`` that holds the interpreter lock: measured with
py-spy on the Predict and Recordings examples, 124 of the server's 431 samples (29 %) of one
session, and every other session waits meanwhile. ``keep_keras_state`` leaves Keras alone and
keeps Streamlit's other clean-up (matplotlib's figures).
"""
from __future__ import annotations

import sys

from streamlit.runtime.scriptrunner import script_runner


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
