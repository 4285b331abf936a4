"""Does a signal look like an ECG at all? Checked before any beat is classified.

ecgdash reads nearly any table of numbers as a signal, and the QRS detectors find "beats" in
anything: uniform noise read as a 10-lead recording gave 2,675 beats at 130 /min. These facts
of the analysed lead tell an ECG from noise, a random table or another signal:

- **a heart rate**: at least two beats, at a median rate within ``RATE_RANGE`` (30-250 /min);
- **beats alike**: an ECG's beats resemble each other: the median correlation of each beat
  (±100 ms around its mark) with the median beat (``beat_likeness``);
- **an ECG's spectrum**: an ECG's power lies below 45 Hz (QRS, P and T waves); noise spreads
  it evenly (``noise_whiteness``: the share of power at 45 Hz and above, as a fraction of what
  white noise would put there; 1 is white noise), a fair share between 5 and 30 Hz where the
  QRS is (``qrs_band_share``), and not all of it at one frequency (``tone_share``).

A signal fails when it has no plausible heart rate, when its power sits at one frequency (a
sine, a slow drift) or hardly in the QRS band (5-30 Hz), or when its beats are unlike each
other *and* its spectrum is noise-like. One bad sign of the last pair alone (a lead with odd
beats, a noisy Holter) passes.

The thresholds were chosen on the DS1 records and the 39 svdb development records (whole
records; and DS1's first 5 minutes with muscle and electrode-motion noise at 6 and 0 dB SNR),
then checked on DS2 the same way (``python studies/plausibility/plausibility_levels.py``, 2026-12-01):

=================  ========  ===========  ==========  ========  =====
signals            passed    likeness ≥   whiteness ≤ QRS band ≥ tone ≤
=================  ========  ===========  ==========  ========  =====
DS1, whole           22/22   0.55         0.02        0.20      0.44
DS1 at 6 / 0 dB      44/44   0.09         0.39        0.18      0.37
svdb-dev (128 Hz)    39/39   0.87         0.06        0.18      0.47
DS2, whole           22/22   0.94         0.01        0.29      0.39
DS2 at 6 / 0 dB      44/44   0.51         0.43        0.25      0.34
paced (102 104...)    4/4    0.97         0.03        0.24      0.36
=================  ========  ===========  ==========  ========  =====

Non-ECGs at 128 and 360 Hz, all refused: uniform and Gaussian noise (whiteness 1.0, likeness
0.03-0.30), a random walk (tone 0.80, QRS band 0.06), sines at 1.2 Hz (no beats) and 10 Hz
(tone 1.0). The cuts lie between: likeness 0.35 with whiteness 0.7, QRS band 0.10, tone 0.70.

    check_plausible(lead.signal, lead.fs, beat_positions)   # raises NotAnECG, else returns facts
"""
from __future__ import annotations

import numpy as np
from scipy.signal import welch

from ecgdash.errors import NotAnECG

#: Plausible median heart rates (beats per minute).
RATE_RANGE = (30.0, 250.0)
#: Below this median correlation with the median beat, beats are "unlike each other".
LIKENESS_MIN = 0.35
#: Above this whiteness (power at 45 Hz and up, relative to white noise's share), noise-like.
WHITENESS_MAX = 0.7
#: Where an ECG's own power ends (Hz).
CUTOFF_HZ = 45.0
#: Below this share of power in 5-30 Hz there is no QRS complex to speak of.
QRS_BAND_MIN = 0.10
#: Above this share of power within ±0.5 Hz of one frequency, a tone (a sine, a slow drift).
TONE_MAX = 0.70
#: Half-width of the window compared between beats (s).
LIKENESS_HALF_S = 0.1


def median_rate(positions: np.ndarray, fs: float) -> float:
    """Median heart rate (beats/min) from beat positions (NaN with fewer than two beats)."""
    rr = np.diff(np.sort(np.asarray(positions, dtype=np.float64))) / fs
    rr = rr[rr > 0]
    return float(60.0 / np.median(rr)) if len(rr) else float("nan")


def beat_likeness(signal: np.ndarray, fs: float, positions: np.ndarray) -> float:
    """Median correlation of each beat (±100 ms around its mark) with the median beat.

    Near 1 for an ECG (0.55 for the least alike MIT-BIH record, 114's V5 lead, whole
    record); near 0 for noise, where "beats" are wherever a detector fired. NaN with fewer
    than three beats away from the edges.
    """
    x = np.asarray(signal, dtype=np.float64)
    half = max(1, int(round(LIKENESS_HALF_S * fs)))
    pos = np.asarray(positions, dtype=np.int64)
    pos = pos[(pos >= half) & (pos < len(x) - half)]
    if len(pos) < 3:
        return float("nan")
    windows = x[pos[:, None] + np.arange(-half, half + 1)]
    windows = windows[np.isfinite(windows).all(axis=1)]
    if len(windows) < 3:
        return float("nan")
    windows = windows - windows.mean(axis=1, keepdims=True)
    template = np.median(windows, axis=0)
    norms = np.linalg.norm(windows, axis=1) * np.linalg.norm(template)
    corr = np.divide(windows @ template, norms, out=np.zeros(len(windows)), where=norms > 0)
    return float(np.median(corr))


def power_spectrum(signal: np.ndarray, fs: float):
    """Welch power spectrum of the finite samples from 0.5 Hz up, as shares of that power:
    ``(f, p)``, or None when the signal is shorter than 2 s or flat. Computed once per lead;
    the spectral facts below read it."""
    x = np.asarray(signal, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < int(2 * fs):
        return None
    f, p = welch(x - x.mean(), fs=fs, nperseg=min(len(x), int(4 * fs)))
    keep = f >= 0.5
    if p[keep].sum() <= 0:
        return None
    return f[keep], p[keep] / p[keep].sum()


def noise_whiteness(spectrum, fs: float, *, cutoff_hz: float = CUTOFF_HZ) -> float:
    """The share of the power at ``cutoff_hz`` and above, as a fraction of the share white
    noise puts there: about 1 for white noise, below 0.05 for a clean ECG. NaN without a
    spectrum, or when the rate is too low to tell (``fs`` at most twice the cutoff)."""
    nyquist = fs / 2
    if spectrum is None or nyquist <= cutoff_hz:
        return float("nan")
    f, p = spectrum
    return float(p[f >= cutoff_hz].sum() / ((nyquist - cutoff_hz) / (nyquist - 0.5)))


def qrs_band_share(spectrum) -> float:
    """Share of the power between 5 and 30 Hz, where the QRS complex puts most of its: a slow
    wave (a random walk, breathing, a pulse curve) has almost none. NaN without a spectrum."""
    if spectrum is None:
        return float("nan")
    f, p = spectrum
    return float(p[(f >= 5) & (f <= 30)].sum())


def tone_share(spectrum) -> float:
    """The largest share of the power within ±0.5 Hz of one frequency: near 1 for a sine
    wave; an ECG spreads its power over the harmonics of the heart rate. NaN without a
    spectrum."""
    if spectrum is None:
        return float("nan")
    f, p = spectrum
    step = f[1] - f[0] if len(f) > 1 else 1.0
    width = max(1, int(round(0.5 / step)))
    return float(np.convolve(p, np.ones(2 * width + 1), mode="same").max())


def plausibility_facts(signal: np.ndarray, fs: float, positions: np.ndarray) -> dict:
    """The facts the check reads: ``rate`` (median, /min), ``likeness``, ``whiteness``,
    ``qrs_band`` and ``tone`` (the last three from one spectrum)."""
    spectrum = power_spectrum(signal, fs)
    return {"rate": median_rate(positions, fs), "likeness": beat_likeness(signal, fs, positions),
            "whiteness": noise_whiteness(spectrum, fs), "qrs_band": qrs_band_share(spectrum),
            "tone": tone_share(spectrum)}


def check_plausible(signal: np.ndarray, fs: float, positions: np.ndarray, *,
                    name: str = "The recording") -> dict:
    """Raise ``NotAnECG`` when the lead does not look like an ECG; else return its facts.

    Parameters
    ----------
    signal : ndarray, shape (n_samples,)
        The analysed lead.
    fs : float
        Its sampling rate (Hz).
    positions : ndarray of int
        The beats found on it (annotated or detected).
    name : str
        How messages name the recording.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noise = rng.random(360 * 60)
    >>> from ecgdash.ecg.detect import detect_beats
    >>> check_plausible(noise, 360, detect_beats(noise, 360))
    Traceback (most recent call last):
    ...
    ecgdash.errors.NotAnECG: The recording does not look like an ECG: ...
    """
    facts = plausibility_facts(signal, fs, positions)
    lo, hi = RATE_RANGE
    rate, like, white = facts["rate"], facts["likeness"], facts["whiteness"]
    reasons = []
    if not np.isfinite(rate):
        reasons.append("fewer than two beats were found")
    elif not lo <= rate <= hi:
        reasons.append(f"no plausible heart rate (the 'beats' found come at {rate:.0f} /min; a "
                       f"heart beats {lo:.0f}-{hi:.0f} /min)")
    band, tone = facts["qrs_band"], facts["tone"]
    if np.isfinite(tone) and tone > TONE_MAX:
        reasons.append(f"{tone:.0%} of its power lies at one frequency, as in a sine wave or a slow "
                       f"drift (an ECG spreads it over the heart rate's harmonics: at most {TONE_MAX:.0%})")
    elif np.isfinite(band) and band < QRS_BAND_MIN:
        reasons.append(f"only {band:.0%} of its power lies between 5 and 30 Hz, where a QRS complex "
                       f"puts its own (an ECG: {QRS_BAND_MIN:.0%} or more)")
    if np.isfinite(like) and like < LIKENESS_MIN and np.isfinite(white) and white > WHITENESS_MAX:
        reasons.append(f"its 'beats' do not resemble each other (median correlation {like:.2f} "
                       f"with the median beat; an ECG's are above {LIKENESS_MIN:g}) and its power "
                       f"is spread like noise's ({white:.2f} of white noise's share above "
                       f"{CUTOFF_HZ:g} Hz; an ECG's is below 0.5)")
    if reasons:
        raise NotAnECG(f"{name} does not look like an ECG: {'; '.join(reasons)}. Nothing was "
                       "classified. If it is an ECG, check the sampling rate and the lead chosen.")
    return facts
