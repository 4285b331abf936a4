"""Recording conditions other than MIT-BIH's, simulated on a signal (for robust training and tests).

Every function takes a signal (n_samples,) or (n_samples, n_leads) in physical units and a
``numpy.random.Generator`` (seeded by the caller), and returns a new float64 array of the same
shape. Beats cut from the result with ``records.cut_beats`` keep the Kaggle format (float32,
(n, 187), within [0, 1]).

- ``baseline_wander``: slow drift (breathing, movement): sinusoids of 0.05-0.5 Hz plus a random walk;
- ``muscle_noise``: broadband EMG-like noise, 5-150 Hz;
- ``electrode_motion``: bursts of low-frequency artefacts (1-10 Hz) with steps, as when an
  electrode moves on the skin;
- ``add_noise``: any mix of those at a chosen signal-to-noise ratio (dB);
- ``resample``: another sampling rate through a polyphase anti-aliasing filter (another device);
- ``scale_polarity``: another gain and, optionally, an inverted lead.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

NOISE_KINDS = ("baseline", "muscle", "motion")


def _power(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.mean((x - np.mean(x)) ** 2)) if len(x) else 0.0


def _bandpassed_noise(n: int, fs: float, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise band-limited to [lo, hi] Hz (FFT mask), unit variance."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spec[(f < lo) | (f > min(hi, fs / 2))] = 0
    out = np.fft.irfft(spec, n)
    sd = out.std()
    return out / sd if sd > 0 else out


def baseline_wander(n: int, fs: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance drift: a few slow sinusoids (0.05-0.5 Hz) and a smoothed random walk."""
    t = np.arange(n) / fs
    drift = np.zeros(n)
    for _ in range(3):
        drift += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * rng.uniform(0.05, 0.5) * t + rng.uniform(0, 2 * np.pi))
    walk = np.cumsum(rng.standard_normal(n)) / np.sqrt(fs)
    k = max(1, int(fs))
    walk = np.convolve(walk, np.ones(k) / k, mode="same")
    drift += walk - np.linspace(walk[0], walk[-1], n)
    sd = drift.std()
    return drift / sd if sd > 0 else drift


def muscle_noise(n: int, fs: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance EMG-like noise (5-150 Hz), with slowly varying intensity."""
    noise = _bandpassed_noise(n, fs, 5.0, 150.0, rng)
    envelope = 0.5 + np.abs(_bandpassed_noise(n, fs, 0.0, 0.3, rng))
    out = noise * envelope
    return out / out.std()


def electrode_motion(n: int, fs: float, rng: np.random.Generator, bursts_per_min: float = 6.0) -> np.ndarray:
    """Unit-variance electrode-motion artefacts: bursts (0.3-3 s) of 1-10 Hz noise and steps."""
    out = np.zeros(n)
    count = max(1, rng.poisson(bursts_per_min * n / fs / 60))
    low = _bandpassed_noise(n, fs, 1.0, 10.0, rng)
    for _ in range(count):
        length = int(rng.uniform(0.3, 3.0) * fs)
        start = int(rng.integers(0, max(1, n - length)))
        window = np.hanning(length) if length > 2 else np.ones(length)
        seg = slice(start, start + len(window))
        out[seg] += low[seg][:len(window)] * window * rng.uniform(1.0, 3.0)
        out[start + len(window) // 2:] += rng.normal(0, 0.3)          # a baseline step
    sd = out.std()
    return out / sd if sd > 0 else out


_GENERATORS = {"baseline": baseline_wander, "muscle": muscle_noise, "motion": electrode_motion}


def add_noise(signal: np.ndarray, fs: float, snr_db: float, rng: np.random.Generator,
              kinds=("baseline", "muscle")) -> np.ndarray:
    """``signal`` plus an equal-power mix of ``kinds`` of noise at ``snr_db`` (per lead).

    SNR is the ratio of the signal's power (variance) to the noise's, in dB, as in the MIT-BIH
    Noise Stress Test.
    """
    x = np.asarray(signal, dtype=np.float64)
    flat = x.ndim == 1
    x2 = x[:, None] if flat else x
    out = x2.copy()
    n = len(x2)
    for lead in range(x2.shape[1]):
        noise = sum(_GENERATORS[k](n, fs, rng) for k in kinds)
        noise = noise / (noise.std() or 1.0)
        target = _power(x2[:, lead]) / (10 ** (snr_db / 10))
        out[:, lead] += noise * np.sqrt(target)
    return out[:, 0] if flat else out


def resample(signal: np.ndarray, fs: float, new_fs: float) -> np.ndarray:
    """``signal`` at ``new_fs`` Hz via a polyphase filter (anti-aliasing, as a device would)."""
    ratio = Fraction(float(new_fs) / float(fs)).limit_denominator(1000)
    return resample_poly(np.asarray(signal, dtype=np.float64), ratio.numerator, ratio.denominator, axis=0)


def scale_polarity(signal: np.ndarray, rng: np.random.Generator, gain=(0.5, 2.0),
                   invert_p: float = 0.0) -> np.ndarray:
    """``signal`` times a random gain, inverted with probability ``invert_p``."""
    g = rng.uniform(*gain) * (-1.0 if rng.random() < invert_p else 1.0)
    return np.asarray(signal, dtype=np.float64) * g
