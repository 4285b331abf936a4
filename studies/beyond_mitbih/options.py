"""The training options this study measured and did not keep, as an extension of the library's
training (``ecgdash.training.extension``): the shipped models use none of them.

- ``select_on="macro_nsv"``: the epoch chosen on the mean F1 of N, S and V, not of every class
  present (F and Q are a few dozen validation beats of whole records);
- ``rr_features=7``: the robust models read the seventh RR feature, the rhythm's irregularity
  (``ecg.context.RR_FEATURES``; section 9 of the README);
- ``record_adversary=W``: a head guessing each beat's record through a gradient reversal of
  weight ``W``, dropped after training (``adversary``; section 10).

    model, card = train_robust("robust_lstm", mitdb, extension=StudyOptions(rr_features=7))
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from adversary import RECORD_OUTPUT, record_index, with_record_head

from ecgdash.ecg.context import COMMITTED_RR, RR_FEATURES
from ecgdash.errors import DataError
from ecgdash.models.builders import build
from ecgdash.training.extension import Extension
from ecgdash.training.reference import CLASSES_OUTPUT

#: What ``select_on`` may name: a validation score of the history rows.
SELECT_ON = ("macro_f1", "macro_nsv")


@dataclass
class StudyOptions(Extension):
    """The measured options; the defaults are the committed recipe (``describe()`` is {})."""

    select_on: str = "macro_f1"
    rr_features: int = COMMITTED_RR
    record_adversary: float = 0.0

    def __post_init__(self):
        if self.select_on not in SELECT_ON:
            raise DataError(f"select_on must be one of {', '.join(SELECT_ON)}, not {self.select_on!r}.")
        if self.rr_features not in (COMMITTED_RR, len(RR_FEATURES)):
            raise DataError(f"rr_features must be {COMMITTED_RR} or {len(RR_FEATURES)}, not {self.rr_features!r}.")
        if self.record_adversary < 0:
            raise DataError("record_adversary is a weight: 0 (off) or more.")

    def describe(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v != getattr(StudyOptions, k)}

    def build(self, name: str):
        return build(name, rr_features=self.rr_features)

    def trainer(self, model, train_records):
        if not self.record_adversary:
            return None
        if train_records is None:
            raise DataError("Training against the record needs whole records: it is an option of the "
                            "robust recipe (train_robust), not of the Kaggle rows' reference recipe.")
        self._records = sorted(train_records)
        return with_record_head(model, len(self._records), self.record_adversary)

    def batch(self, y, records, weights):
        if not self.record_adversary:
            return y, weights
        if records is None:
            raise DataError("Training against the record needs whole records: it is an option of the "
                            "robust recipe (train_robust), not of the Kaggle rows' reference recipe.")
        return ({CLASSES_OUTPUT: y, RECORD_OUTPUT: record_index(np.asarray(records), self._records)},
                {CLASSES_OUTPUT: weights, RECORD_OUTPUT: np.ones_like(weights)})

    def select(self, row: dict) -> float:
        return row["val_" + self.select_on]
