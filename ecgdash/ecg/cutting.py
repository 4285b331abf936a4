"""Cutting beats: a lead of a recording and beat positions -> rows in the Kaggle layout.

The recipe reproduces the Kaggle "ECG Heartbeat Categorization" rows bit for bit: from each
beat's position take samples 1/120 s apart (every 3rd sample at 360 Hz) over this RR plus 20 %
of the next, min-max scale that segment, keep the first 187 values, zero pad. One small
function per step, each usable on its own::

    rec = read_recording("data/examples/mitdb_excerpts/208").lead_signal()
    index = np.flatnonzero(is_beat_symbol(rec.ann_symbol)[:-1])   # beats (the last ends none)
    X = cut_beats(rec.signal, rec.fs, rec.ann_sample, index)  # (n, 187)
    beats = beats_at(rec, rec.ann_sample, rec.ann_symbol)     # all of it, labels and context
    beats = beats_at(rec, detected_positions)                  # beats found by a detector
    beats = beats_from_record("data/examples/mitdb_excerpts/208")
"""
from __future__ import annotations

import math

import numpy as np

from ecgdash.beats import Beats
from ecgdash.config import AAMI_MAP, BEAT_FS, BEAT_LEN
from ecgdash.ecg.context import add_context
from ecgdash.errors import DataError
from ecgdash.io.recording import LeadSignal
from ecgdash.io.wfdb_record import read_wfdb

#: The symbol of a beat with no reference label (found by the detector outside the annotated
#: span of a record): cut like any beat, labelled -1.
UNLABELLED = "*"


def is_beat_symbol(symbols) -> np.ndarray:
    """Boolean mask: which annotation symbols are beats (one of the AAMI classes)."""
    return np.isin(np.asarray(symbols), list(AAMI_MAP))


def aami_labels(symbols) -> np.ndarray:
    """AAMI class (0..4) of each beat symbol; -1 for ``UNLABELLED``."""
    return np.array([AAMI_MAP.get(s, -1) for s in symbols], dtype=np.int64)


def segment_lengths(marks: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Raw-sample length of each beat: this RR plus 20 % of the next.

    ``marks`` are all annotation (or detection) positions; ``index`` the beats among them.
    The beat before the last mark has no next RR: it uses its own RR instead
    (1.2 x RR), which touches at most one beat per record.
    """
    marks = np.asarray(marks, dtype=np.int64)
    index = np.asarray(index, dtype=np.int64)
    rr = marks[index + 1] - marks[index]
    has_next = index + 2 < len(marks)
    rr_next = np.where(has_next, marks[np.minimum(index + 2, len(marks) - 1)] - marks[index + 1], rr)
    return rr + (0.2 * rr_next).astype(np.int64)


def cut_beats(signal: np.ndarray, fs: float, marks, index) -> np.ndarray:
    """Cut beats ``marks[index]`` of ``signal`` into Kaggle rows, shape (len(index), 187), float32.

    From each beat position take samples 1/120 s apart (every 3rd sample at 360 Hz; linear
    interpolation when ``fs`` is not a multiple of 120) over this RR + 20 % of the next,
    min-max scale the whole segment in float64, keep the first 187 values, zero pad.
    A flat segment (max == min) gives a row of zeros; a segment with NaN gives a row of NaN.
    """
    signal = np.asarray(signal, dtype=np.float64)
    marks = np.asarray(marks, dtype=np.int64)
    index = np.asarray(index, dtype=np.int64)
    out = np.zeros((len(index), BEAT_LEN), dtype=np.float32)
    if not len(index):
        return out
    lengths = segment_lengths(marks, index)
    step = fs / BEAT_FS
    int_step = int(round(step)) if abs(step - round(step)) < 1e-9 else None
    n = len(signal)
    for row, (start, seglen) in enumerate(zip(marks[index], lengths)):
        if int_step:
            seg = signal[start:start + seglen:int_step]
        else:
            count = math.ceil(seglen / step)
            t = start + step * np.arange(count)
            t = t[t <= n - 1]
            lo = np.floor(t).astype(np.int64)
            hi = np.minimum(lo + 1, n - 1)
            frac = t - lo
            seg = signal[lo] * (1.0 - frac) + signal[hi] * frac
        if len(seg) == 0:
            continue
        lo_v, hi_v = seg.min(), seg.max()
        if np.isnan(lo_v):
            out[row] = np.nan
            continue
        if hi_v > lo_v:
            v = (seg - lo_v) / (hi_v - lo_v)
            k = min(len(v), BEAT_LEN)
            out[row, :k] = v[:k]
    return out


def window_around(signal: np.ndarray, fs: float, mark: int, before_s: float = 0.4,
                  after_s: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """The stretch of ``signal`` around one beat mark, as a clinician looks at a beat: the QRS
    in the middle, the P wave before it, the T wave after. Unlike a Kaggle row (which starts at
    the mark, so holds no P wave, and is rescaled), the samples keep their units.

    Returns ``(t, x)``: time relative to the mark in seconds and the samples, NaN where the
    window runs past either end of the signal.

    Examples
    --------
    >>> t, x = window_around(np.arange(10.0), fs=10, mark=2, before_s=0.3, after_s=0.2)
    >>> t.round(1).tolist(), x.tolist()
    ([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2], [nan, 0.0, 1.0, 2.0, 3.0, 4.0])
    """
    start, stop = int(mark) - int(round(before_s * fs)), int(mark) + int(round(after_s * fs)) + 1
    x = np.full(stop - start, np.nan)
    lo, hi = max(start, 0), min(stop, len(signal))
    if hi > lo:
        x[lo - start:hi - start] = signal[lo:hi]
    return (np.arange(start, stop) - int(mark)) / fs, x


def rr_intervals(positions: np.ndarray, fs: float) -> np.ndarray:
    """RR before and after each beat in seconds, shape (n, 2); edges repeat their neighbour."""
    positions = np.asarray(positions, dtype=np.float64)
    if len(positions) < 2:
        return np.full((len(positions), 2), np.nan, dtype=np.float32)
    d = np.diff(positions) / fs
    pre = np.concatenate([[d[0]], d])
    post = np.concatenate([d, [d[-1]]])
    return np.stack([pre, post], axis=1).astype(np.float32)


def beats_at(lead: LeadSignal, marks, symbols=None) -> Beats:
    """Cut the beats of one lead at ``marks``, with their RR intervals, context and labels.

    Parameters
    ----------
    lead : LeadSignal
        The lead to cut (``Recording.lead_signal``).
    marks : array of int
        With ``symbols``: the positions of ALL annotations (non-beats only end the beat before
        them). Without: beat positions found by a detector, every one a beat.
    symbols : array of str, optional
        The annotation symbols; the beats get their AAMI labels (-1 for ``UNLABELLED``, a beat
        without a reference label). Without them ``y`` is None.

    Returns
    -------
    Beats
        One row per beat except the last mark's (it has no following mark, as in the Kaggle
        files); beats touching missing samples are left out (with a warning). The RR context
        and local templates are computed over the whole lead before any beat is dropped.
    """
    marks = np.asarray(marks, dtype=np.int64)
    if symbols is None:
        marks = np.unique(marks)
        is_beat = np.ones(len(marks), dtype=bool)
        labels = None
    else:
        symbols = np.asarray(symbols)
        is_beat = is_beat_symbol(symbols) | (symbols == UNLABELLED)
    index = np.flatnonzero(is_beat[:-1]) if len(is_beat) else np.array([], dtype=np.int64)
    X = cut_beats(lead.signal, lead.fs, marks, index)
    if symbols is not None:
        labels = aami_labels(symbols[index])
    all_beats = np.flatnonzero(is_beat)
    rr = rr_intervals(marks[all_beats], lead.fs)[np.searchsorted(all_beats, index)]
    warnings = []
    keep = ~np.isnan(X).any(axis=1)
    if not keep.all():
        warnings.append(f"Record {lead.name}: {int((~keep).sum())} beats touch missing (NaN) "
                        "samples and were left out.")
    beats = Beats(X=X, y=labels, record=np.full(len(X), lead.name), sample=marks[index], rr=rr,
                  fs=lead.fs, lead=lead.lead, warnings=warnings)
    add_context(beats)   # over the whole record, before any beat is dropped
    return beats if keep.all() else beats.subset(keep)


def beats_from_record(path, *, lead=None) -> Beats:
    """All annotated beats of one WFDB record, cut in the Kaggle layout, with their labels.

    Parameters
    ----------
    path : str or Path
        The record without extension (``.hea``, ``.dat`` and ``.atr`` beside each other).
    lead : str or int, optional
        A lead name (case-insensitive) or index; None for channel 0, as in the Kaggle files.

    Returns
    -------
    Beats
        ``X`` (n, 187), AAMI labels ``y``, and each beat's ``record``, ``sample``, ``rr``,
        RR ``context`` and local ``template``. Works at any sampling rate.

    Raises
    ------
    DataError
        A missing or unreadable file, no ``.atr`` annotations, an unknown lead.

    Examples
    --------
    >>> beats = ecgdash.beats_from_record("data/examples/mitdb_excerpts/208")
    >>> beats.lead, beats.class_counts()["F"]
    ('MLII', 41)
    """
    rec = read_wfdb(path)
    if rec.ann_sample is None:
        raise DataError(f"Record {rec.name}: no .atr annotation file, so there are no labelled beats "
                        "(use ecgdash.analyze_record to detect beats instead).")
    return beats_at(rec.lead_signal(lead), rec.ann_sample, rec.ann_symbol)
