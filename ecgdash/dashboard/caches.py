"""Streamlit caches live here, in a module (defining them in a page leaks on reruns).

Models load once per process (``st.cache_resource``), per (name, file sha): replacing a model
file in trained_models/ makes the next run load the new one while running sessions keep the old.

What is read or computed from a file (a parsed upload, a recording, its analysis, its beats'
scores) is made once per process and content (``Shared``) and kept exactly as long as a session
uses it: thirty students opening the same example share one analysis, each student's own upload
is kept for that student's clicks however many others upload theirs, and its memory goes back
when the last session that used it has closed (Streamlit's ``server.disconnectedSessionTTL``).
Every session gets the same object: read it, never change it.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import json
import threading
import weakref
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ecgdash.config import tf_threads
from ecgdash.datasets import mitbih as dataset
from ecgdash.ecg import baseline
from ecgdash.ecg.clusters import cluster_beats
from ecgdash.errors import DataError
from ecgdash.io.beats_csv import load_beats
from ecgdash.models import registry, store
from ecgdash.runtime import import_tensorflow_quietly


def _stamp(path: Path) -> tuple:
    """What changes when a file is replaced: (path, mtime, size); (path,) when it is missing."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path),)
    return str(path), stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=64)
def _card_at(stamp: tuple) -> dict | None:
    """The parsed card file of ``stamp`` (read once per version; a class of thirty would otherwise
    parse the same cards on every click of every student)."""
    try:
        return json.loads(Path(stamp[0]).read_text())
    except (OSError, ValueError):
        return None


def _file_key(name: str) -> str:
    """What identifies the current version of a model: its card's keras_sha256 or mtime."""
    model_path, card_path = store.model_paths(name)
    card = _card_at(_stamp(card_path))
    if card is not None and card.get("keras_sha256"):
        return card["keras_sha256"]
    try:
        return str(model_path.stat().st_mtime)
    except OSError:
        return "missing"


class _Held:
    """One shared result; sessions hold it (weakly referenced by ``Shared``)."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value):
        self.value = value


#: How many results of each kind a session keeps (e.g. a recording read at two rates).
SESSION_KEEPS = 3


class Shared:
    """Results made once per process for each key, shared by every session that asks while one
    still uses it.

    A result lives as long as a session holds it (each session keeps its last ``SESSION_KEEPS``
    of each kind in its state) or it is among the process's last ``keep`` of its kind; then it is
    freed. Two sessions asking for the same key at once wait for one making. A failure (e.g.
    ``DataError``) is not kept: the next ask tries again.
    """

    def __init__(self, kind: str, *, keep: int = 2):
        self.kind, self.keep = kind, keep
        self._lock = threading.Lock()
        self._alive: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._making: dict = {}
        self._recent: collections.OrderedDict = collections.OrderedDict()

    def get(self, key, make, *, spinner: str | None = None):
        """The result for ``key``, made by ``make()`` when no session holds one."""
        with self._lock:
            held = self._alive.get(key)
            making = None if held is not None else self._making.setdefault(key, threading.Lock())
        if held is None:
            with making:                                   # one session makes it, the others wait
                with self._lock:
                    held = self._alive.get(key)
                if held is None:
                    if spinner and get_script_run_ctx() is not None:
                        with st.spinner(spinner):
                            held = _Held(make())
                    else:
                        held = _Held(make())
                    with self._lock:
                        self._alive[key] = held
            with self._lock:
                if self._making.get(key) is making:
                    del self._making[key]
        with self._lock:
            self._recent[key] = held
            self._recent.move_to_end(key)
            while len(self._recent) > self.keep:
                self._recent.popitem(last=False)
        _hold(self.kind, key, held)
        return held.value

    def __len__(self) -> int:
        return len(self._alive)


def _hold(kind: str, key, held: _Held) -> None:
    """Keep ``held`` in this session's state (its last ``SESSION_KEEPS`` of ``kind``)."""
    if get_script_run_ctx() is None:                        # not in a page run (e.g. a test)
        return
    mine = st.session_state.setdefault("_ecgdash_held", {}).setdefault(kind, collections.OrderedDict())
    mine[key] = held
    mine.move_to_end(key)
    while len(mine) > SESSION_KEEPS:
        mine.popitem(last=False)


_TENSORFLOW = threading.Lock()


def load_tensorflow() -> None:
    """Import TensorFlow and Keras once per process, behind a lock.

    The app does not import them at start (the Overview needs no model); the first page that
    needs a model waits here, and two sessions' first clicks cannot import them in two threads
    at once (a half-imported module raises).
    """
    with _TENSORFLOW:
        import_tensorflow_quietly(threads=tf_threads())   # ECGDASH_TF_THREADS, if set
        import keras  # noqa: F401


_WARMING: list = []


def warm_up_tensorflow() -> None:
    """Start importing TensorFlow in the background, once per process, after a page has been
    drawn: the first model a user asks for then rarely waits for the import (the same lock
    as ``load_tensorflow``, so a page that needs it meanwhile just waits for it to finish)."""
    if _WARMING:
        return
    _WARMING.append(threading.Thread(target=load_tensorflow, name="tensorflow-warm-up", daemon=True))
    _WARMING[0].start()


@st.cache_resource(show_spinner="Loading the model (the first time also TensorFlow, a few seconds)…",
                   max_entries=8)
def _load_model_version(name: str, version: str):
    load_tensorflow()
    return store.load_model(name)


def get_model(name: str):
    """The trained model ``name``, loaded once per process and version."""
    return _load_model_version(name, _file_key(name))


@functools.lru_cache(maxsize=64)
def _load_card(name: str, stamps: tuple) -> dict:
    return store.load_card(name)


def get_card(name: str) -> dict:
    """The card of model ``name``, read once per version of its files (the same dict for every
    session: read it, never change it). Raises DataError as ``store.load_card``."""
    model_path, card_path = store.model_paths(name)
    return _load_card(name, (_stamp(model_path), _stamp(card_path)))


def cards_stamp(names) -> str:
    """Identifies the current versions of the cards of ``names`` (a key for what is drawn from them)."""
    return "|".join(f"{name}:{_stamp(store.model_paths(name)[1])[1:]}" for name in names)


@st.cache_resource(show_spinner=False, max_entries=256)
def _figure(builder: str, key: str, _build):
    return _build()


def figure(key: str, build, *args, **kwargs):
    """``build(*args, **kwargs)``, a plotly figure, made once per process for ``key``, which must
    identify everything the figure shows (e.g. ``cards_stamp`` and the options). Every session gets
    the same figure object: draw it, never change it."""
    return _figure(f"{build.__module__}.{build.__qualname__}", key, lambda: build(*args, **kwargs))


def cards_known(names) -> dict[str, dict | None]:
    """``{name: card}`` with None for a card that cannot be read (for work done outside a page
    run, e.g. a download made on click, which cannot write a message on the page)."""
    cards = {}
    for name in names:
        try:
            cards[name] = get_card(name)
        except DataError:
            cards[name] = None
    return cards


_UPLOADS = Shared("beat file", keep=2)


def _parse_bytes(data: bytes, name: str, rescale: bool):
    import io

    f = io.BytesIO(data)
    f.name = name
    return load_beats(f, rescale=rescale)


def upload_key(uploaded) -> str:
    """Identifies one upload: Streamlit's file id, else a hash of the bytes."""
    file_id = getattr(uploaded, "file_id", None)
    if file_id:
        return f"{file_id}:{getattr(uploaded, 'size', '')}"
    return hashlib.blake2b(uploaded.getvalue(), digest_size=16).hexdigest()




def parse_path(path) -> tuple:
    """``(key, Beats)`` of a beat file on disk (e.g. an example), parsed once per version."""
    from pathlib import Path

    stat = Path(path).stat()
    key = f"file:{path}:{stat.st_mtime_ns}:{stat.st_size}"
    return key, _UPLOADS.get(key, lambda: load_beats(str(path)), spinner="Reading the file…")


def parse_upload(uploaded, *, rescale: bool = False):
    """``(key, Beats)`` of an uploaded file, parsed once per content. Raises DataError."""
    key = upload_key(uploaded)
    return key, _UPLOADS.get((key, rescale), lambda: _parse_bytes(uploaded.getvalue(), uploaded.name, rescale),
                             spinner="Reading the file…")


_SCORES = Shared("scores", keep=4)


def _score(versions: tuple, beats):
    from ecgdash.pipeline.scoring import score

    return score({name: get_model(name) for name, _ in versions}, beats)


def score_beats(key: str, beats, names=registry.PAIRS[registry.BEATS_PAIR]) -> dict:
    """``{name: (n, 5) probabilities}`` of ``beats``, computed once per (content ``key``, model
    versions)."""
    versions = tuple((name, _file_key(name)) for name in names)
    return _SCORES.get((key, versions), lambda: _score(versions, beats),
                       spinner="Scoring every beat with both models…")


@st.cache_resource(show_spinner=False, max_entries=16)
def _evaluations(key: str, versions: tuple, _beats, _probas):
    from ecgdash.pipeline.scoring import metrics_per_model

    return metrics_per_model(_beats, _probas)


def evaluations(key: str, beats, probas: dict) -> dict:
    """``scoring.metrics_per_model`` once per (labelled content ``key``, model versions): the same
    dicts for every session (read them, never change them)."""
    versions = tuple((name, _file_key(name)) for name in probas)
    return _evaluations(key, versions, beats, probas)


_SPLITS = Shared("built split", keep=2)


def built_split(split: str, part: str):
    """``(key, Beats)`` of a built split (``dataset.load_split``). The key names the build
    (``dataset.built_stamp``), so a rebuild, even with another lead and the same beat count,
    is loaded and scored anew. Raises DataError when nothing is built."""
    stamp = dataset.built_stamp() or "none"
    key = f"built:{split}:{part}:{stamp}"
    return key, _SPLITS.get(key, lambda: dataset.load_split(split, part), spinner="Loading the built beats…")


_ANALYSES = Shared("analysis", keep=2)


def _analyze(fs, lead, use_annotations: bool, versions: tuple, record, invert: bool, adapt, source):
    from ecgdash.pipeline.record import analyze_record

    models = {name: get_model(name) for name, _ in versions}
    return analyze_record(source, fs=fs, lead=lead, use_annotations=use_annotations,
                          models=models, record=record, invert=invert, adapt=adapt)


def analyze(key: str, source, *, fs=None, lead=None, use_annotations: bool = True,
            names=registry.PAIRS[registry.RECORDINGS_PAIR], record=None, invert: bool = False,
            adapt: bool | None = None):
    """``analysis.analyze_record`` once per (content ``key``, options, model versions)."""
    versions = tuple((name, _file_key(name)) for name in names)
    return _ANALYSES.get((key, fs, lead, use_annotations, versions, record, invert, adapt),
                         lambda: _analyze(fs, lead, use_annotations, versions, record, invert, adapt, source),
                         spinner="Finding and classifying the beats…")


def uploads_key(files) -> str:
    """Identifies a multi-file upload."""
    return "|".join(upload_key(f) for f in files)


_RECORDINGS = Shared("recording", keep=2)


def _recording(fs, record, source):
    from ecgdash.io.uploads import read_recording

    return read_recording(source, fs=fs, record=record)


def recording(key: str, source, *, fs=None, record=None):
    """``recordings.read_recording`` once per (content ``key``, ``fs``, ``record``). Raises DataError."""
    return _RECORDINGS.get((key, fs, record), lambda: _recording(fs, record, source),
                           spinner="Reading the recording…")


_DRAWN = Shared("signal drawn", keep=2)


def without_wander(key: str, signal, fs: float):
    """``ecg.baseline.without_wander`` once per (``key``: recording, lead, flip)."""
    return _DRAWN.get((key, float(fs)), lambda: baseline.without_wander(signal, float(fs)).astype(np.float32))


_CLUSTERS = Shared("clusters", keep=4)


def clusters(key: str, signal, fs: float, marks, *, k: int):
    """``ecg.clusters.cluster_beats`` once per (analysis ``key``, ``k``)."""
    return _CLUSTERS.get((key, int(k), float(fs)), lambda: cluster_beats(signal, float(fs), marks, k=int(k)),
                         spinner="Grouping the beats…")


@st.cache_data(show_spinner="Computing explanations…", max_entries=64)
def _explain(key: str, index: int, versions: tuple, target, method: str, _beats):
    from ecgdash.models.explain import explain

    one = _beats.subset([index])
    return {name: explain(get_model(name), one, target=target, method=method)[0]
            for name, _ in versions}


def explain_beat(key: str, beats, index: int, *, names=registry.PAIRS[registry.BEATS_PAIR],
                 target=None, method: str = "ig") -> dict:
    """``{model: (187,) attribution}`` for one beat, computed once per (beat, models, target)."""
    versions = tuple((name, _file_key(name)) for name in names)
    return _explain(key, int(index), versions, target, method, beats)


@st.cache_data(max_entries=64)
def _seen_share(key: str, name: str, version: str, _X) -> float | None:
    from ecgdash.evaluation.seen import seen_share as share

    return share(name, _X)


def seen_share(key: str, name: str, X) -> float | None:
    """``seen.seen_share`` of the rows ``X`` (content ``key``), once per model version."""
    return _seen_share(key, name, _file_key(name), X)
