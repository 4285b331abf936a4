"""ecgdash: classify ECG heartbeats with an LSTM and a 1-D CNN, and show how they differ.

Public API (each name loads its room on first use: ``import ecgdash`` itself is light)::

    beats = ecgdash.load_beats("data/examples/mitbih_test_500.csv")   # Kaggle-layout CSV -> Beats
    beats = ecgdash.beats_from_record("data/examples/mitdb_excerpts/208")  # WFDB record -> Beats
    model = ecgdash.load_model("cnn")                      # a registered model (ecgdash.models.registry)
    proba = ecgdash.predict_proba(model, beats)            # (n, 5) class probabilities
    report = ecgdash.evaluate(beats.y, proba)              # the reference study's report
    result = ecgdash.analyze_record("data/examples/mitdb_excerpts/208")  # a whole recording
    table = ecgdash.beat_table(result)                     # its beats, one row each
    maps = ecgdash.explain(model, beats)                   # (n, 187) integrated gradients
    summary = ecgdash.batch(["holter/"], "scores/")        # an archive, on a local Dask cluster

The rooms, by domain: ``io`` (files in, one module per format), ``ecg`` (signal steps: beats,
detection, quality, cutting, context; no Keras), ``datasets`` (the MIT-BIH beat dataset, row
fingerprints), ``models`` (registry, builders, inference, store, adaptation, explanations: Keras
lives here), ``evaluation`` (metrics, robustness, seen beats, trust), ``training`` (recipes, fit,
checkpoints), ``report`` (figures, tables, words), ``pipeline`` (a recording, a database, an
archive), ``review`` (template review), ``teaching`` (Learn's numbers, quiz, lessons), ``cli`` and ``dashboard`` (the web glue, which only ``app.py`` and ``pages/`` import).

Bad input raises ``ecgdash.DataError`` (a ValueError) with a message for the user.
"""
from __future__ import annotations

import importlib

__version__ = "0.3.0"

#: Public name -> the module that defines it (loaded on first access, SPEC 1 style).
_API = {
    "CLASSES": "ecgdash.config", "CLASS_NAMES": "ecgdash.config", "DataError": "ecgdash.errors",
    "Beats": "ecgdash.beats", "beats_from_record": "ecgdash.ecg.cutting",
    "load_beats": "ecgdash.io.beats_csv", "read_recording": "ecgdash.io.uploads",
    "evaluate": "ecgdash.evaluation.metrics",
    "build_cnn": "ecgdash.models.builders", "build_lstm": "ecgdash.models.builders",
    "predict_proba": "ecgdash.models.inference", "explain": "ecgdash.models.explain",
    "MODELS": "ecgdash.models.registry", "PAIRS": "ecgdash.models.registry",
    "Split": "ecgdash.models.registry", "load_card": "ecgdash.models.store",
    "load_model": "ecgdash.models.store", "batch": "ecgdash.pipeline.batch",
    "analyze_record": "ecgdash.pipeline.record", "beat_table": "ecgdash.report.predictions",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ecgdash' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
