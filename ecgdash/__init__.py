"""ecgdash: classify ECG heartbeats with an LSTM and a 1-D CNN, and show how they differ.

Public API::

    beats = ecgdash.load_beats("mitbih_test.csv")         # Kaggle-format CSV -> Beats
    beats = ecgdash.beats_from_record("data/mitdb/100")   # WFDB record -> Beats (labels from .atr)
    model = ecgdash.load_model("cnn")                     # "lstm" or "cnn" from trained_models/
    proba = ecgdash.predict_proba(model, beats)           # (n, 5) class probabilities
    result = ecgdash.analyze_record("data/mitdb/208")     # a recording: beats found and classified
    maps = ecgdash.explain(model, beats)                   # (n, 187) integrated gradients

Bad input raises ``ecgdash.DataError`` (a ValueError) with a message for the user.
"""
from .analysis import analyze_record
from .beats import Beats
from .config import CLASSES, CLASS_NAMES
from .csvio import load_beats
from .errors import DataError
from .evaluation import evaluate
from .explain import explain
from .models import build_cnn, build_lstm, predict_proba
from .records import beats_from_record
from .store import load_card, load_model

__all__ = ["analyze_record", "Beats", "CLASSES", "CLASS_NAMES", "DataError", "beats_from_record",
           "build_cnn", "build_lstm", "evaluate", "explain", "load_beats", "load_card", "load_model",
           "predict_proba"]
__version__ = "0.1.0"
