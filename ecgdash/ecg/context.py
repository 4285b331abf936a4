"""RR-interval context of each beat: what a single 187-sample row cannot show.

A supraventricular (S) beat often looks like a normal beat; what gives it away is its timing: it
comes early (short RR before) relative to the patient's own rhythm. de Chazal (2004) and later
inter-patient work feed these intervals to the classifier; the robust models take them as an
input, shape (n, 6) for the shipped pair (the first six of the seven computed here):

- ``pre_rr_s``, ``post_rr_s``: RR interval before and after the beat, in seconds;
- ``pre_over_local``, ``post_over_local``: the same divided by the local rhythm, the mean RR of
  the surrounding beats (±``WINDOW`` beats of the same record), so they mean the same at 50
  and at 120 beats per minute;
- ``pre_over_record``: the RR before divided by the record's mean RR;
- ``post_over_pre``: the compensatory pause after an early beat;
- ``rr_irregularity``: how irregular the rhythm around the beat is, the median of the absolute
  differences between successive RR intervals (±``WINDOW`` beats) over the local mean RR. An
  early beat in a regular rhythm is suspect; in atrial fibrillation every beat comes early or
  late and is still annotated N. Measured and not kept (studies/beyond_mitbih, section 9): a
  model reads the first ``rr_width(model)`` features, six unless trained with
  ``StudyOptions(rr_features=7)`` in ``studies/beyond_mitbih/options.py``.

Measured on MIT-BIH (ROC-AUC of S vs N beats, one feature alone, DS2): RR before 0.69;
divided by the median of ±8 beats 0.70; by the mean of ±25 beats 0.98; by the record's mean
0.97. A median follows runs of ectopic beats; a mean over a longer stretch keeps the
patient's own rhythm.

and a third input, shape (n, 187): the **local template**, the sample-wise median of the
neighbouring beats of the same record (±``TEMPLATE_WINDOW`` beats). A ventricular beat differs
from the patient's usual beat; a bundle-branch-block beat is wide but looks like this patient's
other beats. Comparing a beat with its template is what lets a model judge a new patient by
that patient's own standard.

They need beats with their record and position (``beats_from_record``, ``analyze_record``,
the built data); a bare CSV of beats has no context.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecgdash.beats import Beats
from ecgdash.errors import DataError

RR_FEATURES = ("pre_rr_s", "post_rr_s", "pre_over_local", "post_over_local",
               "pre_over_record", "post_over_pre", "rr_irregularity")
#: How many of them the shipped robust pair reads (the seventh was measured and not kept).
COMMITTED_RR = 6
WINDOW = 25
TEMPLATE_WINDOW = 15
_CLIP = 4.0
#: RR before over the local RR below which a beat is called early, above which late, in words
#: (the Quiz's sentence, the cluster panels): a convention, not fitted.
EARLY, LATE = 0.9, 1.1


def timing_word(pre_over_local: float) -> str:
    """"early", "on time" or "late" for a beat's RR before over the local RR.

    >>> timing_word(0.7), timing_word(1.0), timing_word(1.3)
    ('early', 'on time', 'late')
    """
    return "early" if pre_over_local < EARLY else "late" if pre_over_local > LATE else "on time"


def rolling_mean(values: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean of ``values[i - window : i + window + 1]`` for each i (edges use what exists):
    pandas' centred rolling mean. Works for any length, also when a short strip has fewer beats
    than the window.

    >>> rolling_mean(np.array([1.0, 5.0, 3.0]), window=1).tolist()
    [3.0, 3.0, 4.0]
    """
    values = np.asarray(values, dtype=np.float64)
    return pd.Series(values).rolling(2 * window + 1, center=True, min_periods=1).mean().to_numpy()


def rolling_median(values: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Median of ``values[i - window : i + window + 1]`` for each i (edges use what exists):
    pandas' centred rolling median.

    >>> rolling_median(np.array([1.0, 5.0, 1.0, 1.0, 9.0]), window=1).tolist()
    [3.0, 1.0, 1.0, 1.0, 5.0]
    """
    values = np.asarray(values, dtype=np.float64)
    return pd.Series(values).rolling(2 * window + 1, center=True, min_periods=1).median().to_numpy()


def irregularity(pre: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """The rhythm's irregularity around each beat of one record (in order): the median of the
    absolute successive differences of the RR before over ±``window`` beats, divided by their
    local mean. 0 for a steady rhythm; one early beat in a steady rhythm leaves it near 0.

    >>> steady = np.full(60, 0.8); steady[30] = 0.5; steady[31] = 1.1   # one early beat
    >>> float(irregularity(steady)[30])
    0.0
    """
    pre = np.asarray(pre, dtype=np.float64)
    step = np.abs(np.diff(pre, prepend=pre[:1]))
    return rolling_median(step, window) / rolling_mean(pre, window)


def rr_context(beats: Beats, width: int = len(RR_FEATURES)) -> np.ndarray:
    """The first ``width`` RR context features of ``beats``, float32 (n, width).

    Uses ``beats.context`` when the beats carry that many columns (computed over the whole
    record when they were cut); otherwise computes them from ``rr`` and ``sample``, which
    assumes whole records. Raises DataError without context.
    """
    if beats.context is not None and np.shape(beats.context)[1] >= width:
        return np.asarray(beats.context, dtype=np.float32)[:, :width]
    return compute_context(beats, width=width)


def compute_context(beats: Beats, *, width: int = len(RR_FEATURES)) -> np.ndarray:
    """The first ``width`` RR context features (``RR_FEATURES``) of whole records' beats
    from their ``rr`` and ``sample``: float32 (n, width)."""
    if beats.rr is None or beats.sample is None:
        raise DataError("These beats carry no RR context (no record positions): a model that "
                        "needs the RR intervals can only score beats cut from a recording "
                        "(beats_from_record, analyze_record or the built data), not a bare CSV.")
    rr = np.asarray(beats.rr, dtype=np.float64)[:, :2]
    out = np.zeros((len(beats), max(width, len(RR_FEATURES))), dtype=np.float64)
    records = beats.record if beats.record is not None else np.zeros(len(beats))
    for rec in np.unique(records):
        idx = np.flatnonzero(records == rec)
        idx = idx[np.argsort(beats.sample[idx], kind="stable")]
        pre, post = rr[idx, 0], rr[idx, 1]
        pre = np.where(np.isfinite(pre) & (pre > 0), pre, np.nan)
        fill = np.nanmean(pre) if np.isfinite(pre).any() else 1.0
        pre = np.nan_to_num(pre, nan=fill)
        post = np.where(np.isfinite(post) & (post > 0), post, fill)
        local = rolling_mean(pre)
        out[idx, 0] = pre
        out[idx, 1] = post
        out[idx, 2] = pre / local
        out[idx, 3] = post / local
        out[idx, 4] = pre / pre.mean()
        out[idx, 5] = post / pre
        out[idx, 6] = irregularity(pre)
    return np.clip(np.nan_to_num(out[:, :width], nan=1.0), 0.0, _CLIP).astype(np.float32)


def compute_templates(beats: Beats, window: int = TEMPLATE_WINDOW) -> np.ndarray:
    """Local templates of whole records' beats: for each beat the median (sample by sample) of
    the beats within ±``window`` of it in the same record, float32 (n, 187). Near a record's
    ends the window holds the beats that exist."""
    if beats.sample is None:
        raise DataError("These beats carry no record positions, so they have no local template.")
    out = np.zeros_like(beats.X, dtype=np.float32)
    records = beats.record if beats.record is not None else np.zeros(len(beats))
    width = 2 * window + 1
    for rec in np.unique(records):
        idx = np.flatnonzero(records == rec)
        idx = idx[np.argsort(beats.sample[idx], kind="stable")]
        X = beats.X[idx].astype(np.float32)
        n = len(X)
        medians = np.empty_like(X)
        if n >= width:   # full windows (an odd count): the middle value, all at once
            view = np.lib.stride_tricks.sliding_window_view(X, width, axis=0)
            medians[window:n - window] = np.partition(view, window, axis=2)[..., window]
        for i in [*range(min(window, n)), *range(max(window, n - window), n)]:
            medians[i] = np.median(X[max(0, i - window):i + window + 1], axis=0)
        out[idx] = medians
    return out


def templates(beats: Beats) -> np.ndarray:
    """``beats.template`` when the beats carry it, else computed (assuming whole records)."""
    if beats.template is not None:
        return np.asarray(beats.template, dtype=np.float32)
    return compute_templates(beats)


def add_context(beats: Beats) -> Beats:
    """Compute the RR context and local templates of whole records' beats, in place."""
    beats.context = compute_context(beats)
    beats.template = compute_templates(beats)
    return beats
