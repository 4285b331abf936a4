"""What if this beat were different? One change per function, for the What-if lab.

Each takes a beat row in the Kaggle layout (187 samples from the beat's mark, the zero padding
after its signal) and returns a changed copy; ``change_rr`` changes a beat's RR context instead
(``ecg.context.RR_FEATURES``). ``what_if`` applies them in a fixed order and min-max scales the
signal part again, as every beat is scaled when it is cut, so the models see a row of the
layout they were trained on. What the changes do not touch stays as it was: the padding, and
for the robust models the local template (the person's usual beat around this one) and the
local and record mean RR.

    >>> x = np.r_[np.linspace(1, 0, 20), np.full(100, 0.3), np.zeros(67)]
    >>> y = what_if_row(x, qrs=1.5, flip=True)
    >>> y.shape, float(y.min()), float(y.max()), signal_length(y) == signal_length(x)
    ((187,), 0.0, 1.0, True)
"""
from __future__ import annotations

import numpy as np

from ecgdash.beats import Beats, signal_length
from ecgdash.config import BEAT_FS

#: The first stretch of a row that ``widen_qrs`` stretches: from the mark through the QRS.
QRS_S = 0.10


def rescale(x: np.ndarray, end: int) -> np.ndarray:
    """Min-max scale ``x[:end]`` to [0, 1] (a flat signal becomes 0); the rest stays zero."""
    out = np.zeros_like(x, dtype=np.float32)
    part = np.asarray(x[:end], dtype=np.float64)
    span = part.max() - part.min() if end else 0.0
    out[:end] = (part - part.min()) / span if span > 0 else 0.0
    return out


def widen_qrs(x: np.ndarray, factor: float, end: int, qrs_s: float = QRS_S,
              keep_s: float | None = None) -> np.ndarray:
    """Stretch the first ``qrs_s`` seconds of the signal by ``factor`` (> 1 wider, < 1 narrower)
    and fit what follows it, up to ``keep_s`` seconds, into the time left (the ST segment and T
    wave a little shorter or longer): from ``keep_s`` on (default: the row's end) nothing moves,
    so the next beat (its P wave, its R peak) stays where the RR interval after puts it.

    Examples
    --------
    >>> x = np.zeros(120); x[2] = 1.0; x[100] = 1.0          # this beat's R, the next beat's R
    >>> y = widen_qrs(x, 2.0, 120, keep_s=80 / BEAT_FS)
    >>> int(np.argmax(y[60:])) + 60                            # the next R stays at sample 100
    100
    """
    q = qrs_s * BEAT_FS
    k = float(end - 1) if keep_s is None else float(np.clip(keep_s * BEAT_FS, q + 1, end - 1))
    wide = min(q * factor, k - 1.0)                            # the new QRS end, before keep_s
    new_t = np.arange(end, dtype=np.float64)
    old_t = np.where(new_t < wide, new_t * q / wide,
                     np.where(new_t <= k, q + (new_t - wide) * (k - q) / max(k - wide, 1e-9), new_t))
    out = np.array(x, dtype=np.float64)
    out[:end] = np.interp(np.clip(old_t, 0, end - 1), np.arange(end), np.asarray(x[:end], dtype=np.float64))
    return out


def add_wander(x: np.ndarray, amount: float, end: int) -> np.ndarray:
    """Add baseline wander: a slow swing (0.3 Hz) of ``amount`` times the beat's height."""
    t = np.arange(end) / BEAT_FS
    out = np.array(x, dtype=np.float64)
    out[:end] += amount * np.ptp(out[:end]) * np.sin(2 * np.pi * 0.3 * t + 0.5)
    return out


def add_muscle_noise(x: np.ndarray, amount: float, end: int, seed: int = 0) -> np.ndarray:
    """Add muscle noise: white noise of ``amount`` times the beat's height (standard deviation)."""
    rng = np.random.default_rng(seed)
    out = np.array(x, dtype=np.float64)
    out[:end] += amount * np.ptp(out[:end]) * rng.standard_normal(end)
    return out


#: Where the next beat's P wave lies before its mark (s): the PR interval is 120-200 ms and the
#: R peak comes some 30-50 ms into the QRS (the textbook range ``beat_figures.P_WAVE_ZONE`` draws).
P_WAVE_BEFORE_S = (0.25, 0.05)


def without_p_wave(x: np.ndarray, end: int, next_s: float) -> np.ndarray:
    """Take away the P wave the row holds: the next beat's, just before that beat's mark at
    ``next_s`` seconds into the row (a row starts at this beat's mark, so this beat's own P
    wave is not in it). The stretch from 250 to 50 ms before the next mark becomes a straight
    line between its ends.

    >>> x = np.zeros(187); x[70:85] = 0.2; x[96] = 1.0   # a P wave, then the next beat's R
    >>> y = without_p_wave(x, 120, next_s=0.8)          # next mark at sample 96; P zone 66-90
    >>> float(y[66:91].max()), float(y[96])
    (0.0, 1.0)
    """
    out = np.array(x, dtype=np.float64)
    a = int(round((next_s - P_WAVE_BEFORE_S[0]) * BEAT_FS))
    b = int(round((next_s - P_WAVE_BEFORE_S[1]) * BEAT_FS))
    a, b = max(a, 0), min(b, end - 1)
    if b - a >= 2:
        out[a:b + 1] = np.linspace(out[a], out[b], b - a + 1)
    return out


def change_rr(context: np.ndarray, before: float = 1.0, after: float = 1.0) -> np.ndarray:
    """The RR context of a beat that came ``before`` times its RR interval after the beat
    before it, and was followed ``after`` times its interval later (the person's local and
    record means, and the rhythm's irregularity, held as they were). Clipped as ``ecg.context``
    clips."""
    c = np.array(context, dtype=np.float64)
    c[[0, 2, 4]] *= before
    c[[1, 3]] *= after
    c[5] *= after / before
    return np.clip(c, 0.0, 4.0).astype(np.float32)


def what_if_row(x: np.ndarray, *, qrs: float = 1.0, amplitude: float = 1.0, flip: bool = False,
                wander: float = 0.0, noise: float = 0.0, no_p: bool = False, next_s: float | None = None,
                seed: int = 0) -> np.ndarray:
    """A beat row with the changes made (P wave taken away, amplitude, flip, QRS width, wander,
    noise, in that order), then scaled to [0, 1] again over its signal. ``next_s``: where the
    next beat's mark is in the row (s); by default where the cutting recipe puts it when both
    RR intervals are equal (the signal is 1.2 RR long)."""
    end = signal_length(x)
    next_s = next_s if next_s is not None else end / 1.2 / BEAT_FS
    y = np.array(x, dtype=np.float64) * amplitude
    if no_p:
        y = without_p_wave(y, end, next_s)
    if flip:
        y[:end] = -y[:end]
    if qrs != 1.0:            # the next beat, from its P wave on, stays where the RR after puts it
        y = widen_qrs(y, qrs, end, keep_s=next_s - P_WAVE_BEFORE_S[0])
    if wander:
        y = add_wander(y, wander, end)
    if noise:
        y = add_muscle_noise(y, noise, end, seed)
    return rescale(y, end)


def what_if(beats: Beats, index: int, *, rr_before: float = 1.0, rr_after: float = 1.0, **row) -> Beats:
    """Beat ``index`` of ``beats`` as a one-beat ``Beats``, changed: ``row`` as ``what_if_row``
    takes them, and its RR context (when it has one) by ``change_rr``."""
    one = beats.subset([index])
    if one.context is not None and "next_s" not in row:
        row["next_s"] = float(one.context[0, 1])           # the RR after: the next beat's mark
    one.X = what_if_row(one.X[0], **row)[None, :]
    if one.context is not None:
        one.context = change_rr(one.context[0], rr_before, rr_after)[None, :]
    return one
