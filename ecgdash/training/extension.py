"""What a study may change in a training run without a library option: the network built, a
training model fit around it, what each batch carries, and the score that picks the epoch.

The shipped models use none of it (``Extension()`` is the committed recipe). Options that were
measured and not kept live with the study that measured them, as an ``Extension`` subclass
(``studies/beyond_mitbih/options.py``: training against the record, the seventh RR feature, the
epoch chosen on N, S and V), so the library ships only what ships::

    model, card = train_robust("robust_lstm", "data/mitdb", extension=MyStudy())

A run's card then names the extension (``card["extension"]``, from ``describe``).
"""
from __future__ import annotations

import numpy as np

from ecgdash.models.builders import build


class Extension:
    """The committed recipe: each hook returns what the library does without an extension."""

    def describe(self) -> dict:
        """What this extension changes, for the card and the checkpoint ({} for none)."""
        return {}

    def build(self, name: str):
        """A fresh network for registered model ``name``."""
        return build(name)

    def trainer(self, model, train_records: list[str]):
        """A training model around ``model`` to fit instead of it (its outputs a dict with the
        classes under ``training.reference.CLASSES_OUTPUT``), or None to fit ``model`` itself.
        ``train_records``: the names of the training records; None for Kaggle rows (the
        reference recipe), which then refuses a training model."""
        return None

    def batch(self, y: np.ndarray, records: np.ndarray | None, weights: np.ndarray):
        """What a training batch carries beside its inputs: ``(targets, sample weights)``."""
        return y, weights

    def select(self, row: dict) -> float:
        """The score of an epoch's history row that picks the epoch and stops early."""
        return row["val_macro_f1"]
