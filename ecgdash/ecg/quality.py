"""Signal quality of one lead: can its beats be read at all, segment by segment?

The index is the agreement of three independent library QRS detectors (wfdb's XQRS,
NeuroKit2's Pan-Tompkins and NeuroKit methods) over each 10-second segment: the F1 of the two
that agree best, their detections matched one-to-one within 150 ms (after the bSQI of Li, Mark
& Clifford 2008, Physiol Meas 29:15). On clean ECG they find the same beats (1.0); in noise each
fires on different artefacts and the agreement falls. The best pair, not the mean of all pairs,
because one detector can fail alone on a clean signal (XQRS skips the PVCs of record 208) while
the other two, like the two-of-three vote of ``ecgdash.ecg.detect``, still read it. The index does
not depend on beat shape, so runs of ventricular beats are not taken for noise.

Levels, chosen on DS1 only (22 records, 5-minute excerpts, clean and with baseline wander,
muscle and electrode-motion noise at 12 to -6 dB SNR; a segment "failed" when the two-of-three
detections had F1 < 0.9 against the annotated beats): ``unreadable`` below 0.85, the largest
cut that flags at most 2 % of the segments that did not fail (it flags 62 % of failed ones);
``noisy`` below 0.95, the smallest cut that, with unreadable, flags at least 90 % of failed
segments (94 %); ``good`` otherwise. On DS2 (not used to choose) the same cuts flag 56 % of
failed segments as unreadable and 0.9 % of the others; 95 % of failed ones are noisy or worse.

Above 500 Hz the three detectors run on the lead resampled to 360 Hz (MIT-BIH's rate, where the
levels were chosen), their positions mapped back: on pydicom's 1000-Hz 12-lead DICOM XQRS found no
beat and Pan-Tompkins marked every QRS 140-160 ms from NeuroKit's, so a clean 10-s strip scored
0.6 (unreadable) and its beats would have gone unclassified; at 360 Hz the three agree (1.0).
Recordings at 500 Hz or less are measured as they are, as before.

XQRS was the slow one (about 6 s on a 30-minute record in wfdb's own code, about 0.3 s with
``detect``'s faster loops, the same QRS); a faster trio with NeuroKit2's Martinez method in its
place then ran 4x faster but, by the same rule, flagged only 46 % of failed DS1 segments as
unreadable and 2.4 % of clean ones.

    segments = segment_quality(lead.signal, lead.fs)          # one row per 10-s segment
    levels = beat_quality(segments, beat_times)                 # "good" / "noisy" / "unreadable"
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecgdash.ecg.augment import resample
from ecgdash.ecg.detect import detect_qrs, match_beats

#: The three detectors compared (each run on the one lead).
QUALITY_DETECTORS = ("xqrs", "pantompkins", "neurokit")
#: Above this rate (Hz) the detectors run on the lead resampled to ``DETECTOR_FS``.
MAX_DETECTOR_FS = 500.0
DETECTOR_FS = 360.0
#: Segment length in seconds (Zhao & Zhang 2018 and most SQI work use 10 s).
SEGMENT_S = 10.0
#: Agreement below which a segment is unreadable / noisy (chosen on DS1, see above).
UNREADABLE_BELOW = 0.85
NOISY_BELOW = 0.95
LEVELS = ("good", "noisy", "unreadable")


def pair_agreement(a: np.ndarray, b: np.ndarray, fs: float) -> float:
    """F1 of two detectors' positions matched one-to-one within 150 ms (1.0 when both are empty)."""
    if len(a) + len(b) == 0:
        return 1.0
    ref_of_det, _ = match_beats(np.asarray(a), np.asarray(b), fs)
    return float(2 * (ref_of_det >= 0).sum() / (len(a) + len(b)))


def segment_bounds(n_samples: int, fs: float, *, segment_s: float = SEGMENT_S) -> np.ndarray:
    """Start samples of the segments and the end: ``segment_s`` each, a last piece shorter than
    half a segment joined to the one before. Returns an array of boundaries."""
    step = int(round(segment_s * fs))
    bounds = list(range(0, n_samples, step)) + [n_samples]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < step / 2:
        del bounds[-2]
    return np.asarray(bounds, dtype=np.int64)


def segment_quality(signal: np.ndarray, fs: float, *, detections: dict | None = None,
                    segment_s: float = SEGMENT_S) -> pd.DataFrame:
    """Detector agreement and quality level of each segment of one lead.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        One lead.
    fs : float
        Sampling rate in Hz.
    detections : dict, optional
        ``{detector: positions}`` already found on this lead (the ones missing are run; above
        ``MAX_DETECTOR_FS`` all three run again at ``DETECTOR_FS``).
    segment_s : float, default 10
        Segment length in seconds.

    Returns
    -------
    DataFrame
        One row per segment: ``start_s``, ``end_s``, ``agreement`` (0-1, the best pair of
        detectors) and ``level``
        ("good", "noisy" or "unreadable").
    """
    if fs > MAX_DETECTOR_FS:      # the detectors' own rates: found at 360 Hz, mapped back
        slower = resample(signal, fs, DETECTOR_FS)
        lists = [np.round(detect_qrs(slower, DETECTOR_FS, m) * fs / DETECTOR_FS).astype(np.int64)
                 for m in QUALITY_DETECTORS]
    else:
        detections = dict(detections or {})
        for method in QUALITY_DETECTORS:
            if method not in detections:
                detections[method] = detect_qrs(signal, fs, method)
        lists = [np.asarray(detections[m], dtype=np.int64) for m in QUALITY_DETECTORS]
    bounds = segment_bounds(len(signal), fs, segment_s=segment_s)
    rows = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        parts = [p[(p >= lo) & (p < hi)] for p in lists]
        agree = max(pair_agreement(parts[i], parts[j], fs)
                    for i in range(len(parts)) for j in range(i + 1, len(parts)))
        level = ("unreadable" if agree < UNREADABLE_BELOW else
                 "noisy" if agree < NOISY_BELOW else "good")
        rows.append({"start_s": lo / fs, "end_s": hi / fs, "agreement": round(agree, 3),
                     "level": level})
    return pd.DataFrame(rows, columns=["start_s", "end_s", "agreement", "level"])


def beat_quality(segments: pd.DataFrame, times: np.ndarray) -> np.ndarray:
    """The quality level of the segment each beat (time in seconds) lies in."""
    times = np.asarray(times, dtype=np.float64)
    if not len(segments):
        return np.full(len(times), "good", dtype=object)
    index = np.searchsorted(segments["start_s"].to_numpy(), times, side="right") - 1
    return segments["level"].to_numpy(dtype=object)[np.clip(index, 0, len(segments) - 1)]


#: Half-width of the window around a beat's mark where its QRS is looked for (s): annotators
#: place marks anywhere from the QRS onset to its peak, 40-80 ms apart.
QRS_HALF_S = 0.08
#: Half-width of the window whose median is the local baseline (s).
BASELINE_HALF_S = 0.2


def upright_share(signal: np.ndarray, fs: float, positions: np.ndarray) -> float:
    """Share of beats whose main QRS deflection points up.

    For each beat the QRS's largest excursion above the local baseline (the median of ±0.2 s)
    within ±80 ms of the mark is compared with its largest excursion below it: the beat is
    upright when the one above is larger. The mark need not sit on the R peak (MIT-BIH marks
    the peak; other annotators and detectors the onset or elsewhere in the QRS).

    Lead II / MLII beats point up in most people; a low share suggests swapped electrodes or
    another lead (MIT-BIH records 207 and 117 have mostly negative QRS in channel 0).

    Examples
    --------
    >>> t = np.arange(3600) / 360
    >>> beats = np.arange(180, 3400, 300)
    >>> x = np.zeros_like(t)
    >>> for b in beats:          # an R wave 40 ms after each mark, a smaller S wave after it
    ...     x[b + 14] += 1.0; x[b + 20] -= 0.3
    >>> upright_share(x, 360, beats), upright_share(-x, 360, beats)
    (1.0, 0.0)
    """
    x = np.asarray(signal, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.int64)
    half = int(round(BASELINE_HALF_S * fs))
    qrs = max(1, int(round(QRS_HALF_S * fs)))
    positions = positions[(positions >= half) & (positions < len(x) - half)]
    if not len(positions):
        return float("nan")
    windows = x[positions[:, None] + np.arange(-half, half + 1)]
    baseline = np.nanmedian(windows, axis=1)
    around = windows[:, half - qrs:half + qrs + 1]
    up = np.nanmax(around, axis=1) - baseline
    down = baseline - np.nanmin(around, axis=1)
    return float(np.mean(up > down))
