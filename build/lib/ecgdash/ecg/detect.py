"""Beat (QRS) detection for recordings without annotations, and how good it is.

Detection is done by well-kept library detectors, never a home-made threshold: wfdb's XQRS and
NeuroKit2's Pan-Tompkins and NeuroKit methods, each run on each lead, then combined by votes:
a beat is kept where at least ``votes`` of the detector/lead pairs fire within a 150 ms window of each
other (150 ms). Single detectors miss odd beats (XQRS skips many PVCs of record 208) or fire on tall
T or P waves (record 113, 231); they rarely make the same mistake on both leads at once, so
the vote keeps both the sensitivity and the positive predictivity high (measured by
``python -m ecgdash bench``).

Each kept position is then moved to the beat's fiducial point as the MIT-BIH annotators place
it (the QRS's largest deflection from the local baseline), because the Kaggle beat starts
exactly there.

    positions = detect_beats(recording.signals, recording.fs)
    quality = detection_quality(reference_positions, positions, recording.fs)   # Se, PPV
"""
from __future__ import annotations

import functools
import types
import warnings
from typing import Callable

import numpy as np
from scipy.ndimage import maximum_filter1d
from wfdb.processing import qrs

from ecgdash.errors import DataError

#: The detector/lead pairs of the default ensemble and the votes a beat needs.
ENSEMBLE = (("xqrs", 0), ("xqrs", 1), ("pantompkins", 0), ("neurokit", 0), ("neurokit", 1))
VOTES = 3
CLUSTER_S = 0.150        # detections this close (s) count as the same beat
TOLERANCE_S = 0.150      # matching window against reference beats (ANSI/AAMI EC57 practice)
REFINE_S = 0.060         # how far the fiducial point may be from the detection (s)


def bridge_gaps(x: np.ndarray) -> np.ndarray:
    """The signal with NaN samples linearly interpolated (edges held), for the detectors."""
    x = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(x)
    if not bad.any():
        return x
    if bad.all():
        raise DataError("The signal holds no numbers.")
    idx = np.arange(len(x))
    out = x.copy()
    out[bad] = np.interp(idx[bad], idx[~bad], x[~bad])
    return out


def find_local_peaks(sig: np.ndarray, radius: int) -> np.ndarray:
    """``wfdb.processing.find_local_peaks``, the same peaks from a running maximum.

    wfdb's version calls Python's ``max`` on a slice at every sample: on record 203 (30
    minutes) XQRS spent 12.7 s of its 13.1 s for both leads there (4-6 s a lead on its own). A sample is a peak when it equals
    the maximum of ``sig[i - radius:i + radius]``; scanning on from a peak skips ``radius``
    samples, so the next peak is the first candidate at least ``radius`` after it.
    """
    sig = np.asarray(sig, dtype=np.float64)
    if sig.size == 0 or np.min(sig) == np.max(sig):
        return np.empty(0)
    window_max = maximum_filter1d(sig, size=2 * radius, mode="constant", cval=-np.inf)
    peaks, next_allowed = [], 0
    for i in np.flatnonzero(sig == window_max).tolist():
        if i >= next_allowed:
            peaks.append(i)
            next_allowed = i + radius
    return np.array(peaks, dtype=np.int64)


def _with_our_peaks(method):
    """wfdb's ``method`` as it is, but finding local peaks with ``find_local_peaks`` (the same
    peaks, faster): its code runs with a copy of the wfdb module's globals in which that one
    name is ours. wfdb itself is left untouched for everyone else in the process."""
    namespace = {**qrs.__dict__, "find_local_peaks": find_local_peaks}
    return types.FunctionType(method.__code__, namespace, method.__name__, method.__defaults__,
                              method.__closure__)


@functools.cache
def _fast_xqrs_class():
    """wfdb's XQRS with the same decisions, made faster in its two slow loops (built once)."""

    class FastXQRS(qrs.XQRS):
        _mwi = _with_our_peaks(qrs.XQRS._mwi)
        _learn_init_params = _with_our_peaks(qrs.XQRS._learn_init_params)

        def _backsearch(self):
            """XQRS's backsearch, the same peaks in the same order, judged in one step.

            wfdb re-checks every peak since the last QRS, one ``_is_qrs`` call each, whenever a
            gap is long; where the detector has lost the rhythm that is every peak: 15.6 million
            calls on record 200's two leads (its second lead alone took 11.6 s, now 0.27 s). A peak can only be a QRS when it is
            past the refractory period and above half the threshold, so only the first such
            peak is handed to ``_is_qrs`` (the T-wave check, the update), and the scan goes on
            from it with the updated state."""
            if self.last_qrs_peak_num is None:
                return
            nums = np.arange(self.last_qrs_peak_num + 1, self.peak_num + 1)
            where = np.asarray(self.peak_inds_i)[nums]
            heights = self.sig_i[where]
            k = 0
            while k < len(nums):
                passing = np.flatnonzero((where[k:] - self.last_qrs_ind > self.ref_period)
                                         & (heights[k:] > self.qrs_thr / 2))
                if not len(passing):
                    return
                k += int(passing[0])
                if self._is_qrs(peak_num=int(nums[k]), backsearch=True):
                    self._update_qrs(peak_num=int(nums[k]), backsearch=True)
                k += 1

    return FastXQRS


def _xqrs(x: np.ndarray, fs: float) -> np.ndarray:
    det = _fast_xqrs_class()(sig=x, fs=fs)
    det.detect(verbose=False)
    return np.asarray(det.qrs_inds, dtype=np.int64)


def _neurokit(method: str) -> Callable[[np.ndarray, float], np.ndarray]:
    """NeuroKit2's ``method``: its own cleaning, then its own peak finder."""

    def run(x: np.ndarray, fs: float) -> np.ndarray:
        import neurokit2 as nk

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cleaned = nk.ecg_clean(x, sampling_rate=fs, method=method)
            _, info = nk.ecg_peaks(cleaned, sampling_rate=fs, method=method)
        return np.asarray(info["ECG_R_Peaks"], dtype=np.int64)

    return run


DETECTORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "xqrs": _xqrs,
    "pantompkins": _neurokit("pantompkins1985"),
    "neurokit": _neurokit("neurokit"),
}


def detect_qrs(signal: np.ndarray, fs: float, method: str = "xqrs") -> np.ndarray:
    """QRS positions (samples) found by one library detector on one lead."""
    if method not in DETECTORS:
        raise ValueError(f"unknown detector {method!r}; choose from {', '.join(DETECTORS)}")
    x = bridge_gaps(signal)
    # Mirror a second of signal at each end: the detectors' filters and thresholds settle there
    # instead of on the first and last beats (on 10-s strips of DS1 this raised the sensitivity
    # from 0.971 to 0.979 at a PPV of 0.991; DS2 0.975 -> 0.991, 0.991 -> 0.983).
    pad = min(int(round(fs)), len(x) - 1)
    try:
        found = DETECTORS[method](np.pad(x, pad, mode="reflect"), float(fs)) - pad
    except (ValueError, IndexError, TypeError, ZeroDivisionError):  # they fail on degenerate input
        found = np.array([], dtype=np.int64)
    return np.unique(found[(found >= 0) & (found < len(x))])


def fuse_detections(lists: list[np.ndarray], fs: float, votes: int,
                    window_s: float = CLUSTER_S) -> np.ndarray:
    """Positions where at least ``votes`` of the ``lists`` detect a beat within ``window_s``.

    Detections are sorted and grouped: a group starts at a detection and takes every later one
    within ``window_s`` of it. A group backed by at least ``votes`` different lists is a beat,
    placed at the median of its detections.
    """
    if not lists:
        return np.array([], dtype=np.int64)
    pos = np.concatenate([np.asarray(p, dtype=np.int64) for p in lists])
    src = np.concatenate([np.full(len(p), i) for i, p in enumerate(lists)])
    order = np.argsort(pos, kind="stable")
    pos, src = pos[order], src[order]
    win = window_s * fs
    out, i, n = [], 0, len(pos)
    while i < n:
        j = i
        while j + 1 < n and pos[j + 1] - pos[i] <= win:
            j += 1
        if len(set(src[i:j + 1].tolist())) >= votes:
            out.append(int(np.median(pos[i:j + 1])))
        i = j + 1
    return np.unique(np.array(out, dtype=np.int64))


def refine_to_fiducial(signal: np.ndarray, fs: float, positions: np.ndarray,
                       search_s: float = REFINE_S) -> np.ndarray:
    """Move each position to the largest deflection from the local baseline within ``search_s``.

    The local baseline is the median of the signal over ±0.2 s around the detection; the
    fiducial point is the sample, within ±``search_s``, farthest from it (the R peak, or the S
    or QS trough of a beat whose main deflection is negative), as in the MIT-BIH annotations.
    """
    x = bridge_gaps(signal)
    n = len(x)
    half = max(1, int(round(search_s * fs)))
    base_half = int(round(0.2 * fs))
    out = np.asarray(positions, dtype=np.int64).copy()
    for k, p in enumerate(out):
        lo, hi = max(0, p - half), min(n, p + half + 1)
        baseline = np.median(x[max(0, p - base_half):min(n, p + base_half + 1)])
        out[k] = lo + int(np.argmax(np.abs(x[lo:hi] - baseline)))
    return np.unique(out)


def detect_beats(signals: np.ndarray, fs: float, ensemble=ENSEMBLE, votes: int = VOTES,
                 refine: bool = True, lead: int = 0, with_lists: bool = False):
    """Beat positions (samples) of a recording, shape (n_samples,) or (n_samples, n_leads).

    Runs every (detector, lead) pair of ``ensemble`` that the recording has and keeps positions
    with at least ``votes`` votes (fewer when a lead is missing: a one-lead recording needs
    ``votes`` scaled to the pairs it has, at least 2 of 3). With ``refine``, positions move to
    the fiducial point of ``lead``. With ``with_lists``, returns ``(positions, lists)`` where
    ``lists`` maps each ``(detector, lead)`` pair to its own detections (for ``ecgdash.ecg.quality``).
    """
    signals = np.asarray(signals, dtype=np.float64)
    if signals.ndim == 1:
        signals = signals[:, None]
    pairs = [(m, ch) for m, ch in ensemble if ch < signals.shape[1]]
    usable = [ch for ch in range(signals.shape[1]) if np.isfinite(signals[:, ch]).any()
              and np.nanstd(signals[:, ch]) > 0]
    pairs = [(m, ch) for m, ch in pairs if ch in usable]
    if not pairs:
        raise DataError("No usable lead to detect beats in (flat or empty signal).")
    need = votes if len(pairs) == len(ensemble) else max(1, int(np.ceil(votes * len(pairs) / len(ensemble))))
    lists = [detect_qrs(signals[:, ch], fs, m) for m, ch in pairs]
    found = fuse_detections(lists, fs, need)
    if refine and len(found):
        found = refine_to_fiducial(signals[:, lead], fs, found)
    return (found, dict(zip(pairs, lists))) if with_lists else found


def match_beats(reference: np.ndarray, detected: np.ndarray, fs: float,
                tolerance_s: float = TOLERANCE_S) -> tuple[np.ndarray, np.ndarray]:
    """Pair detections with reference beats one-to-one, nearest first, within ``tolerance_s``.

    Returns ``(ref_of_det, det_of_ref)``: for each detection the index of its reference beat
    (-1 if none: a false positive), and for each reference beat its detection (-1: missed).
    """
    reference = np.asarray(reference, dtype=np.int64)
    detected = np.asarray(detected, dtype=np.int64)
    ref_of_det = np.full(len(detected), -1, dtype=np.int64)
    det_of_ref = np.full(len(reference), -1, dtype=np.int64)
    if not len(reference) or not len(detected):
        return ref_of_det, det_of_ref
    tol = tolerance_s * fs
    j = np.searchsorted(reference, detected)
    cand = []
    for d, pos in enumerate(detected):
        for r in (j[d] - 1, j[d]):
            if 0 <= r < len(reference) and abs(reference[r] - pos) <= tol:
                cand.append((abs(reference[r] - pos), d, r))
    for _, d, r in sorted(cand):
        if ref_of_det[d] < 0 and det_of_ref[r] < 0:
            ref_of_det[d], det_of_ref[r] = r, d
    return ref_of_det, det_of_ref


#: An unannotated stretch this long (s) at a record's start or end is taken as not annotated
#: (e.g. AHA-database records, annotated only in their last 30 minutes), not as beat-free.
UNANNOTATED_S = 10.0


def detection_quality(reference, detected, fs: float, tolerance_s: float = TOLERANCE_S) -> dict:
    """Sensitivity and positive predictivity of ``detected`` against ``reference`` beat positions.

    Detections are scored only over the annotated span: when the annotations start (or end)
    more than ``UNANNOTATED_S`` seconds into (before the end of) the detections, those outside
    are not charged as extra beats; ``outside`` counts them and ``span_s`` gives the span.
    """
    reference = np.asarray(reference, dtype=np.int64)
    detected = np.asarray(detected, dtype=np.int64)
    lo, hi = -np.inf, np.inf
    if len(reference) and len(detected):
        tol, gap = tolerance_s * fs, UNANNOTATED_S * fs
        if reference[0] - detected[0] > gap:
            lo = reference[0] - tol
        if detected[-1] - reference[-1] > gap:
            hi = reference[-1] + tol
    inside = (detected >= lo) & (detected <= hi)
    _, det_of_ref = match_beats(reference, detected[inside], fs, tolerance_s)
    tp = int((det_of_ref >= 0).sum())
    fn = int(len(reference) - tp)
    fp = int(inside.sum() - tp)
    span = [float(lo / fs) if np.isfinite(lo) else 0.0, float(hi / fs) if np.isfinite(hi) else None]
    return {"tp": tp, "fn": fn, "fp": fp,
            "sensitivity": tp / (tp + fn) if tp + fn else float("nan"),
            "ppv": tp / (tp + fp) if tp + fp else float("nan"),
            "tolerance_s": tolerance_s, "outside": int((~inside).sum()), "span_s": span}
