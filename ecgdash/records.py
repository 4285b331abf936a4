"""WFDB records -> beats in the Kaggle layout (the exact recipe of GUIDE §2).

A record on disk is read as a `Recording` (all leads, its .atr); one lead of it is a `Record`.

One small function per step, each usable on its own::

    rec = read_record("data/mitdb/100")            # signal of one lead + annotations
    keep = beat_indices(rec.ann_symbol)             # which annotations are beats
    X = cut_beats(rec.signal, rec.fs, rec.ann_sample, keep)
    beats = beats_from_record("data/mitdb/100")     # all of the above, with labels
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .beats import Beats
from .config import AAMI_MAP, BEAT_FS, BEAT_LEN
from .context import add_context
from .errors import DataError

MIN_FS, MAX_FS = 50.0, 10_000.0


@dataclass
class Record:
    """One lead of a WFDB record and its annotations."""

    name: str
    fs: float
    signal: np.ndarray            # (n_samples,) float64, physical units
    lead: str                     # name of the chosen lead
    leads: list[str]              # all lead names in the record
    ann_sample: np.ndarray | None  # positions of ALL annotations (beats and non-beats)
    ann_symbol: np.ndarray | None  # their symbols


def _pick_lead(names: list[str], lead, record: str) -> int:
    """Index of ``lead`` (None = channel 0, an int index, or a name, case-insensitive)."""
    if lead is None:
        return 0
    if isinstance(lead, (int, np.integer)) or (isinstance(lead, str) and lead.strip().isdigit()
                                              and lead.strip() not in names):
        index = int(lead)
        if not 0 <= index < len(names):
            raise DataError(f"Record {record} has {len(names)} leads ({', '.join(names)}); "
                            f"lead index {index} does not exist.")
        return index
    wanted = str(lead).strip().lower()
    for i, name in enumerate(names):
        if name.strip().lower() == wanted:
            return i
    raise DataError(f"Record {record} has no lead named {lead!r}; its leads are: {', '.join(names)}.")


def read_record(path, lead=None, annotations: bool = True) -> Record:
    """Read one lead of a WFDB record (``path`` without extension) and its ``.atr``.

    ``lead``: None for channel 0 (as in the Kaggle files), an index, or a lead name.
    With ``annotations=False`` (or no ``.atr`` file) ``ann_sample`` is None.
    """
    rec = read_recording(path).record(lead)
    if not annotations:
        rec.ann_sample = rec.ann_symbol = None
    return rec


@dataclass
class Recording:
    """A multi-lead recording and its reference annotations, if any."""

    name: str
    fs: float
    signals: np.ndarray              # (n_samples, n_leads) float64, physical units
    leads: list[str]
    ann_sample: np.ndarray | None = None
    ann_symbol: np.ndarray | None = None
    kind: str = "wfdb"               # "wfdb" or "csv"
    warnings: list[str] | None = None

    @property
    def duration(self) -> float:
        return len(self.signals) / self.fs

    def lead_index(self, lead=None) -> int:
        return _pick_lead(self.leads, lead, self.name)

    def record(self, lead=None) -> Record:
        """One lead as the ``Record`` that the beat cutter takes."""
        i = self.lead_index(lead)
        return Record(name=self.name, fs=self.fs, signal=self.signals[:, i], lead=self.leads[i],
                      leads=list(self.leads), ann_sample=self.ann_sample, ann_symbol=self.ann_symbol)


def check_fs(fs) -> float:
    """A usable sampling rate in Hz, or DataError."""
    try:
        fs = float(fs)
    except (TypeError, ValueError):
        raise DataError(f"The sampling rate {fs!r} is not a number.") from None
    if not np.isfinite(fs) or fs <= 0:
        raise DataError(f"The sampling rate must be a positive number of Hz, not {fs:g}.")
    if not MIN_FS <= fs <= MAX_FS:
        raise DataError(f"A sampling rate of {fs:g} Hz is not plausible for an ECG "
                        f"(expected {MIN_FS:g} to {MAX_FS:g} Hz).")
    return fs


def _check_signal(signals: np.ndarray, fs: float, name: str) -> list[str]:
    """Refuse flat or all-missing signals; say how much is missing."""
    warnings = []
    if signals.size == 0 or len(signals) < 2 * fs:
        raise DataError(f"{name} is too short ({len(signals) / fs:.1f} s): a recording needs at "
                        "least two beats (a few seconds).")
    finite = np.isfinite(signals)
    for i in range(signals.shape[1]):
        col = signals[finite[:, i], i]
        if len(col) == 0:
            raise DataError(f"{name}: lead {i + 1} holds no numbers (all samples are missing).")
        if np.ptp(col) == 0:
            raise DataError(f"{name}: lead {i + 1} is a flat line (every sample is {col[0]:g}); "
                            "there are no beats to find.")
    missing = int((~finite).any(axis=1).sum())
    if missing:
        warnings.append(f"{name}: {missing:,} samples ({missing / fs:.1f} s) are missing (NaN); "
                        "gaps are bridged for beat detection and beats that touch them are left out.")
    return warnings


def read_recording(path) -> Recording:
    """A WFDB record on disk (``path`` with or without extension), all leads, its ``.atr`` if any."""
    import wfdb

    path = Path(path)
    if path.suffix in (".hea", ".dat", ".atr"):
        path = path.with_suffix("")
    name = path.name
    if not path.with_suffix(".hea").is_file():
        raise DataError(f"Record {name}: header file {name}.hea not found.")
    try:
        header = wfdb.rdheader(str(path))
    except Exception as exc:  # wfdb raises many types for a bad header
        raise DataError(f"Record {name}: the header could not be read ({exc}).") from None
    if not header.sig_name:
        raise DataError(f"Record {name}: the header lists no signals.")
    for fname in {f for f in (header.file_name or []) if f}:
        if not (path.parent / fname).is_file():
            raise DataError(f"Record {name}: the header names the signal file {fname}, "
                            "which is missing. Upload it together with the header.")
    try:
        rec = wfdb.rdrecord(str(path))
    except Exception as exc:
        raise DataError(f"Record {name}: the signal could not be read ({exc}); "
                        "is the .dat file complete?") from None
    if rec.p_signal is None or rec.p_signal.shape[0] < (header.sig_len or 0):
        raise DataError(f"Record {name}: the .dat file holds fewer samples than the header says; "
                        "it may be truncated.")
    fs = check_fs(rec.fs)
    signals = np.asarray(rec.p_signal, dtype=np.float64)
    ann_sample = ann_symbol = None
    if path.with_suffix(".atr").is_file():
        try:
            ann = wfdb.rdann(str(path), "atr")
        except Exception as exc:
            raise DataError(f"Record {name}: the annotation file could not be read ({exc}).") from None
        ann_sample, ann_symbol = np.asarray(ann.sample, np.int64), np.asarray(ann.symbol)
    warnings = _check_signal(signals, fs, f"Record {name}")
    return Recording(name=name, fs=fs, signals=signals, leads=list(rec.sig_name),
                     ann_sample=ann_sample, ann_symbol=ann_symbol, kind="wfdb", warnings=warnings)


def beat_indices(symbols) -> np.ndarray:
    """Indices of the annotations that are beats (AAMI symbols), the last annotation excluded.

    The Kaggle rows never use a record's last annotation: it has no following mark to end the beat.
    """
    symbols = np.asarray(symbols)
    is_beat = np.isin(symbols, list(AAMI_MAP))
    if len(is_beat):
        is_beat[-1] = False
    return np.flatnonzero(is_beat)


def aami_labels(symbols) -> np.ndarray:
    """AAMI class (0..4) of each beat symbol."""
    return np.array([AAMI_MAP[s] for s in symbols], dtype=np.int64)


def segment_lengths(marks: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Raw-sample length of each beat: this RR plus 20 % of the next (GUIDE §2).

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


def rr_intervals(positions: np.ndarray, fs: float) -> np.ndarray:
    """RR before and after each beat in seconds, shape (n, 2); edges repeat their neighbour."""
    positions = np.asarray(positions, dtype=np.float64)
    if len(positions) < 2:
        return np.full((len(positions), 2), np.nan, dtype=np.float32)
    d = np.diff(positions) / fs
    pre = np.concatenate([[d[0]], d])
    post = np.concatenate([d, [d[-1]]])
    return np.stack([pre, post], axis=1).astype(np.float32)


def beats_from_record(path, lead=None) -> Beats:
    """All annotated beats of one WFDB record (``path`` without extension) as ``Beats``.

    Labels come from the record's ``.atr`` (AAMI classes); ``record`` and ``sample`` give each
    beat's origin. Works at any sampling rate and with any lead names (``lead``: None for
    channel 0, an index, or a name).
    """
    rec = read_record(path, lead=lead)
    if rec.ann_sample is None:
        raise DataError(f"Record {rec.name}: no .atr annotation file, so there are no labelled beats "
                        "(use ecgdash.analyze_record to detect beats instead).")
    return beats_from_marks(rec, rec.ann_sample, rec.ann_symbol)


def beats_from_marks(rec: Record, marks, symbols) -> Beats:
    """Cut the beats among ``marks`` (positions) whose ``symbols`` are beat symbols."""
    marks = np.asarray(marks, dtype=np.int64)
    index = beat_indices(symbols)
    X = cut_beats(rec.signal, rec.fs, marks, index)
    y = aami_labels(np.asarray(symbols)[index])
    all_beats = np.flatnonzero(np.isin(np.asarray(symbols), list(AAMI_MAP)))
    rr_all = rr_intervals(marks[all_beats], rec.fs)
    rr = rr_all[np.searchsorted(all_beats, index)]
    warnings = []
    bad = np.isnan(X).any(axis=1)
    if bad.any():
        warnings.append(f"Record {rec.name}: {int(bad.sum())} beats touch missing (NaN) samples "
                        "and were left out.")
    keep = ~bad
    beats = Beats(X=X, y=y, record=np.full(len(X), rec.name), sample=marks[index], rr=rr,
                  fs=rec.fs, lead=rec.lead, warnings=warnings)
    add_context(beats)   # over the whole record, before any beat is dropped
    return beats.subset(keep) if not keep.all() else beats
