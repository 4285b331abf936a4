"""The ``Beats`` container that flows from records and CSVs to the models."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ecgdash.config import BEAT_LEN, CLASSES


@dataclass
class Beats:
    """A set of beats in the Kaggle layout.

    Attributes
    ----------
    X : float32 array, shape (n, 187)
        One beat per row, min-max scaled to [0, 1], 1/120 s per sample, zero padded.
    y : int64 array, shape (n,), or None
        AAMI class 0..4 (N, S, V, F, Q) when known (-1 for a detected beat that matches no
        annotated beat).
    record : str array, shape (n,), or None
        The record each beat comes from (WFDB input only).
    sample : int64 array, shape (n,), or None
        The beat's position (annotation or detection) in the record, in samples at ``fs``.
    rr : float32 array, shape (n, 2), or None
        RR interval before and after each beat, in seconds (WFDB input only).
    context : float32 array, shape (n, 6) or (n, 7), or None
        The RR context features (``ecgdash.ecg.context.RR_FEATURES``; built data from before
        the seventh keeps six), computed over the whole record when the beats are cut, so that
        a subset of beats keeps them.
    template : float32 array, shape (n, 187), or None
        The local template: the median of the neighbouring beats of the same record, i.e. what
        this patient's beats look like right now (``ecgdash.ecg.context``).
    fs : float or None
        Sampling rate of the record the beats were cut from.
    lead : str or None
        The lead the beats were cut from.
    warnings : list of str
        Things the user should know about the input (never errors).
    """

    X: np.ndarray
    y: np.ndarray | None = None
    record: np.ndarray | None = None
    sample: np.ndarray | None = None
    rr: np.ndarray | None = None
    context: np.ndarray | None = None
    template: np.ndarray | None = None
    fs: float | None = None
    lead: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.X = np.asarray(self.X, dtype=np.float32)
        if self.X.ndim != 2 or self.X.shape[1] != BEAT_LEN:
            raise ValueError(f"Beats.X must have shape (n, {BEAT_LEN}), got {self.X.shape}")
        n = len(self.X)
        if self.y is not None:
            self.y = np.asarray(self.y, dtype=np.int64)
        for name in ("y", "record", "sample", "rr", "context", "template"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"Beats.{name} has {len(value)} rows, X has {n}")

    def __len__(self) -> int:
        return len(self.X)

    def subset(self, index) -> "Beats":
        """The beats at ``index`` (a boolean mask or integer indices), with their metadata."""
        pick = lambda a: None if a is None else a[index]  # noqa: E731
        return replace(self, X=self.X[index], y=pick(self.y), record=pick(self.record),
                       sample=pick(self.sample), rr=pick(self.rr), context=pick(self.context),
                       template=pick(self.template), warnings=list(self.warnings))

    def without_labels(self) -> "Beats":
        """The same beats with no labels (e.g. when a file's labels are not AAMI classes)."""
        return replace(self, y=None, warnings=list(self.warnings))

    def class_counts(self) -> dict[str, int]:
        """Beats per class name (labels required)."""
        if self.y is None:
            return {}
        counts = np.bincount(self.y[self.y >= 0], minlength=len(CLASSES))
        return {c: int(k) for c, k in zip(CLASSES, counts)}

    @staticmethod
    def concat(parts: list["Beats"]) -> "Beats":
        """Join several ``Beats`` (e.g. one per record) into one."""
        if not parts:
            return Beats(np.zeros((0, BEAT_LEN), np.float32))

        def cat(name):
            values = [getattr(p, name) for p in parts]
            return None if any(v is None for v in values) else np.concatenate(values)

        fs = {p.fs for p in parts}
        lead = {p.lead for p in parts}
        return Beats(X=cat("X"), y=cat("y"), record=cat("record"), sample=cat("sample"),
                     rr=cat("rr"), context=cat("context"), template=cat("template"),
                     fs=fs.pop() if len(fs) == 1 else None,
                     lead=lead.pop() if len(lead) == 1 else None,
                     warnings=[w for p in parts for w in p.warnings])


def signal_length(x: np.ndarray) -> int:
    """How many samples of a Kaggle-layout row are signal: the row without its zero padding.

    A row is cut from one beat to 20 % into the next and zero-padded to 187 samples; the
    padding is the run of exact zeros at its end (two or more: a single last 0.0 can be the
    beat's own minimum).

    Examples
    --------
    >>> signal_length(np.array([0.2, 1.0, 0.0, 0.5, 0.0, 0.0, 0.0]))
    4
    >>> signal_length(np.array([0.2, 1.0, 0.0]))
    3
    """
    x = np.asarray(x)
    nonzero = np.flatnonzero(x != 0)
    end = int(nonzero[-1]) + 1 if len(nonzero) else 0
    return end if len(x) - end >= 2 else len(x)
