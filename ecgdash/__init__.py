"""ecgdash: classify ECG heartbeats with an LSTM and a 1-D CNN, and show how they differ.

Public API::

    beats = ecgdash.load_beats("data/examples/mitbih_test_500.csv")   # Kaggle-layout CSV -> Beats
    beats = ecgdash.beats_from_record("data/examples/mitdb_excerpts/208")  # WFDB record -> Beats
    model = ecgdash.load_model("cnn")                      # a registered model (ecgdash.registry)
    proba = ecgdash.predict_proba(model, beats)            # (n, 5) class probabilities
    report = ecgdash.evaluate(beats.y, proba)              # the reference study's report
    result = ecgdash.analyze_record("data/examples/mitdb_excerpts/208")  # a whole recording
    maps = ecgdash.explain(model, beats)                   # (n, 187) integrated gradients
    summary = ecgdash.batch(["holter/"], "scores/")        # an archive, on a local Dask cluster

Bad input raises ``ecgdash.DataError`` (a ValueError) with a message for the user. The library
never imports the web framework: the dashboard's glue lives in ``ecgdash.dashboard``, which only
``app.py`` and ``pages/`` import.
"""
from .analysis import analyze_record
from .batch import batch
from .beats import Beats
from .config import CLASS_NAMES, CLASSES
from .csvio import load_beats
from .cutting import beats_from_record
from .errors import DataError
from .evaluation import evaluate
from .explain import explain
from .models import build_cnn, build_lstm, predict_proba
from .recordings import read_recording
from .registry import MODELS, PAIRS, Split
from .store import load_card, load_model

__all__ = ["analyze_record", "batch", "Beats", "CLASSES", "CLASS_NAMES", "DataError", "MODELS", "PAIRS",
           "Split", "beats_from_record", "build_cnn", "build_lstm", "evaluate", "explain",
           "load_beats", "load_card", "load_model", "predict_proba", "read_recording"]
__version__ = "0.2.0"
