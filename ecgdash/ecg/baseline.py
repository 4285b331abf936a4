"""Baseline wander, taken away for drawing: a strip whose baseline drifts by millivolts (a
Holter patient walking, electrode motion) is otherwise a thin band on a tall axis.

    shown = without_wander(signal, fs)     # the same samples less a running median of 0.6 s

Drawing only: the beats the models read are cut from the recording as it is (each row is
min-max scaled, so a slow drift hardly changes it).
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

#: The running median's length (s): longer than a QRS and a T wave, shorter than the swing of a
#: breath or a step (the median of 0.6 s is the usual first stage of baseline removal).
WANDER_S = 0.6
#: The rate the median is taken at (Hz): the baseline is slow, so a 30-minute record at 360 Hz
#: costs a few hundred milliseconds, not seconds.
BASELINE_RATE = 50.0


def baseline(signal: np.ndarray, fs: float, *, window_s: float = WANDER_S) -> np.ndarray:
    """The slow baseline under ``signal``: a running median of ``window_s`` seconds, taken on a
    copy at ``BASELINE_RATE`` Hz and interpolated back to every sample; missing samples (NaN)
    are left out of it.

    Examples
    --------
    >>> t = np.arange(3600) / 360
    >>> drift = 2.0 * np.sin(2 * np.pi * 0.2 * t)           # 2 mV of wander
    >>> x = drift.copy(); x[150::300] += 1.0                # narrow beats on top
    >>> float(np.abs(baseline(x, 360.0) - drift).max()) < 0.15
    True
    """
    x = np.asarray(signal, dtype=np.float64)
    if len(x) == 0:
        return x.copy()
    step = max(1, int(round(fs / BASELINE_RATE)))
    coarse = x[::step]
    finite = np.isfinite(coarse)
    if not finite.any():
        return np.zeros_like(x)
    coarse = np.interp(np.arange(len(coarse)), np.flatnonzero(finite), coarse[finite])   # gaps bridged
    size = max(1, int(round(window_s * fs / step)) | 1)
    smooth = median_filter(coarse, size=size, mode="nearest")
    return np.interp(np.arange(len(x)), np.arange(len(coarse)) * step, smooth)


def without_wander(signal: np.ndarray, fs: float, *, window_s: float = WANDER_S) -> np.ndarray:
    """``signal`` less its ``baseline``: centred on zero, with its beats as they were.

    >>> x = np.full(3600, -6.0); x[::360] += 1.0            # a record sitting at -6 mV
    >>> y = without_wander(x, 360.0)
    >>> round(float(np.median(y)), 3), round(float(y.max()), 3)
    (0.0, 1.0)
    """
    return np.asarray(signal, dtype=np.float64) - baseline(signal, fs, window_s=window_s)
