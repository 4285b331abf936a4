"""Streamlit caches live here, in a module (defining them in a page leaks on reruns).

Models load once per process (``st.cache_resource``); parsed uploads once per content
(``st.cache_data``). A model is cached per (name, file sha) so replacing a model file in
trained_models/ makes the next run load the new one while running sessions keep the old.
"""
from __future__ import annotations

import functools
import hashlib
import json
import threading
from pathlib import Path

import numpy as np
import streamlit as st

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


@st.cache_resource(show_spinner=False, max_entries=512)
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


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def _parse_upload(key: str, name: str, rescale: bool, _data: bytes):
    import io

    f = io.BytesIO(_data)
    f.name = name
    return load_beats(f, rescale=rescale)


def upload_key(uploaded) -> str:
    """Identifies one upload: Streamlit's file id, else a hash of the bytes."""
    file_id = getattr(uploaded, "file_id", None)
    if file_id:
        return f"{file_id}:{getattr(uploaded, 'size', '')}"
    return hashlib.blake2b(uploaded.getvalue(), digest_size=16).hexdigest()


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _parse_path(path: str, stamp: str):
    return load_beats(path)


def parse_path(path) -> tuple:
    """``(key, Beats)`` of a beat file on disk (e.g. an example), parsed once per version."""
    from pathlib import Path

    stat = Path(path).stat()
    key = f"file:{path}:{stat.st_mtime_ns}:{stat.st_size}"
    return key, _parse_path(str(path), key)


def parse_upload(uploaded, *, rescale: bool = False):
    """``(key, Beats)`` of an uploaded file, parsed once per content. Raises DataError."""
    key = upload_key(uploaded)
    return key, _parse_upload(key, uploaded.name, rescale, uploaded.getvalue())


@st.cache_data(show_spinner="Scoring every beat with both models…", max_entries=8)
def _score(key: str, versions: tuple, _beats):
    from ecgdash.pipeline.scoring import score

    return score({name: get_model(name) for name, _ in versions}, _beats)


def score_beats(key: str, beats, names=registry.PAIRS[registry.BEATS_PAIR]) -> dict:
    """``{name: (n, 5) probabilities}`` of ``beats``, computed once per (content ``key``, model
    versions)."""
    versions = tuple((name, _file_key(name)) for name in names)
    return _score(key, versions, beats)


@st.cache_resource(show_spinner=False, max_entries=16)
def _evaluations(key: str, versions: tuple, _beats, _probas):
    from ecgdash.pipeline.scoring import metrics_per_model

    return metrics_per_model(_beats, _probas)


def evaluations(key: str, beats, probas: dict) -> dict:
    """``scoring.metrics_per_model`` once per (labelled content ``key``, model versions): the same
    dicts for every session (read them, never change them)."""
    versions = tuple((name, _file_key(name)) for name in probas)
    return _evaluations(key, versions, beats, probas)


@st.cache_data(show_spinner="Loading the built beats…", max_entries=4)
def _built_split(split: str, part: str, stamp: str):
    return dataset.load_split(split, part)


def built_split(split: str, part: str):
    """``(key, Beats)`` of a built split (``dataset.load_split``). The key names the build
    (``dataset.built_stamp``), so a rebuild, even with another lead and the same beat count,
    is loaded and scored anew. Raises DataError when nothing is built."""
    stamp = dataset.built_stamp() or "none"
    return f"built:{split}:{part}:{stamp}", _built_split(split, part, stamp)


@st.cache_data(show_spinner="Finding and classifying the beats…", max_entries=4)
def _analyze(key: str, fs, lead, use_annotations: bool, versions: tuple, record, invert: bool,
             adapt, _source):
    from ecgdash.pipeline.record import analyze_record

    models = {name: get_model(name) for name, _ in versions}
    return analyze_record(_source, fs=fs, lead=lead, use_annotations=use_annotations,
                          models=models, record=record, invert=invert, adapt=adapt)


def analyze(key: str, source, *, fs=None, lead=None, use_annotations: bool = True,
            names=registry.PAIRS[registry.RECORDINGS_PAIR], record=None, invert: bool = False,
            adapt: bool | None = None):
    """``analysis.analyze_record`` once per (content ``key``, options, model versions)."""
    versions = tuple((name, _file_key(name)) for name in names)
    return _analyze(key, fs, lead, use_annotations, versions, record, invert, adapt, source)


def uploads_key(files) -> str:
    """Identifies a multi-file upload."""
    return "|".join(upload_key(f) for f in files)


@st.cache_data(show_spinner="Reading the recording…", max_entries=4)
def _recording(key: str, fs, record, _source):
    from ecgdash.io.uploads import read_recording

    return read_recording(_source, fs=fs, record=record)


def recording(key: str, source, *, fs=None, record=None):
    """``recordings.read_recording`` once per (content ``key``, ``fs``, ``record``). Raises DataError."""
    return _recording(key, fs, record, source)


@st.cache_data(show_spinner=False, max_entries=8)
def _without_wander(key: str, fs: float, _signal):
    return baseline.without_wander(_signal, fs).astype(np.float32)


def without_wander(key: str, signal, fs: float):
    """``ecg.baseline.without_wander`` once per (``key``: recording, lead, flip)."""
    return _without_wander(key, float(fs), signal)


@st.cache_data(show_spinner="Grouping the beats…", max_entries=16)
def _clusters(key: str, k: int, fs: float, _signal, _marks):
    return cluster_beats(_signal, fs, _marks, k=k)


def clusters(key: str, signal, fs: float, marks, *, k: int):
    """``ecg.clusters.cluster_beats`` once per (analysis ``key``, ``k``)."""
    return _clusters(key, int(k), float(fs), signal, marks)


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
