"""A recording, whatever file it came from: all its leads, its rate, its reference annotations,
and the checks every reader applies (a plausible rate, enough signal, units in mV).

    rec.leads, rec.fs, rec.duration     # what was read
    lead = rec.lead_signal("MLII")      # the one lead beats are cut from
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ecgdash.errors import DataError

MIN_FS, MAX_FS = 50.0, 10_000.0
#: Lead names that mean MLII or lead II (as ``lead_key`` writes them).
MLII_NAMES = {"MLII", "II", "LEADII", "ECGII", "ECGLEADII"}


_LEAD_PREFIX = re.compile(r"^(ECG|EKG)?(LEAD)?")


def lead_key(name) -> str:
    """A lead name compared loosely: upper case, without spaces, '_' or '-', and without a leading
    "ECG", "EKG" or "Lead" (as EDF channels and exports name leads).

    >>> lead_key("lead II"), lead_key("ECG MLII"), lead_key("EKG V1"), lead_key("ECG1"), lead_key("ECG")
    ('II', 'MLII', 'V1', '1', 'ECG')
    """
    key = str(name).upper().replace(" ", "").replace("_", "").replace("-", "")
    return _LEAD_PREFIX.sub("", key, count=1) or key
#: The shortest recording analysed: a 10-second strip (a 12-lead ECG, a smartwatch ECG).
MIN_SECONDS = 10.0
#: Sampling rate assumed for a CSV/TXT signal with no rate given and no time column.
SIGNAL_SUFFIXES = (".csv", ".txt", ".tsv", ".gz")
WFDB_SUFFIXES = (".hea", ".dat", ".atr", ".qrs")


@dataclass
class LeadSignal:
    """One lead of a recording, with the recording's annotations: what beats are cut from."""

    name: str                       # the recording's name
    fs: float
    signal: np.ndarray              # (n_samples,) float64, physical units
    lead: str                       # name of this lead
    ann_sample: np.ndarray | None   # positions of ALL annotations (beats and non-beats)
    ann_symbol: np.ndarray | None   # their symbols


@dataclass
class Recording:
    """A multi-lead recording and its reference annotations, if any."""

    name: str
    fs: float
    signals: np.ndarray              # (n_samples, n_leads) float64, physical units
    leads: list[str]
    ann_sample: np.ndarray | None = None
    ann_symbol: np.ndarray | None = None
    kind: str = "wfdb"               # "wfdb", "edf", "apple", "csv" or "cart" (io.cart)
    warnings: list[str] = field(default_factory=list)
    unit: str = "mV"                 # of ``signals``: "mV", or "file units" when not known
    source_format: str = ""          # a cart file's format ("HL7 aECG", "GE MUSE XML", ...)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.signals) / self.fs

    def lead_index(self, lead=None) -> int:
        """Index of ``lead``: None for channel 0, an index, or a name (case-insensitive)."""
        names = self.leads
        if lead is None:
            return 0
        if isinstance(lead, (int, np.integer)) or (isinstance(lead, str) and lead.strip().isdigit()
                                                  and lead.strip() not in names):
            index = int(lead)
            if not 0 <= index < len(names):
                raise DataError(f"Record {self.name} has {len(names)} leads ({', '.join(names)}); "
                                f"lead index {index} does not exist.")
            return index
        wanted = str(lead).strip().lower()
        for i, name in enumerate(names):
            if name.strip().lower() == wanted:
                return i
        raise DataError(f"Record {self.name} has no lead named {lead!r}; its leads are: "
                        f"{', '.join(names)}.")

    def default_lead(self) -> str:
        """The lead nearest the models' MLII: MLII or lead II when the recording has one (e.g.
        a 12-lead file), else the first lead."""
        for name in self.leads:
            if lead_key(name) in MLII_NAMES:
                return name
        return self.leads[0]

    def lead_signal(self, lead=None) -> LeadSignal:
        """One lead (None: channel 0, as in the Kaggle files) with the annotations."""
        i = self.lead_index(lead)
        return LeadSignal(name=self.name, fs=self.fs, signal=self.signals[:, i], lead=self.leads[i],
                          ann_sample=self.ann_sample, ann_symbol=self.ann_symbol)


#: The most samples (all leads together) a recording may hold: 24 hours of two leads at 360 Hz
#: is 62 million. A header, a .dat or a CSV claiming more is refused before anything is
#: allocated for them (as float64 these alone are 512 MB).
MAX_SAMPLES = 64_000_000


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


#: Physical units and their factor to millivolts.
_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3, "nv": 1e-6}


def to_millivolts(signals: np.ndarray, unit: str | None, name: str) -> tuple[np.ndarray, list[str]]:
    """``signals`` in mV from ``unit`` (mV, µV, V, nV); other units are kept and flagged."""
    key = (unit or "").strip().lower().replace("micro", "µ").replace("milli", "m").replace("volts", "v").replace("volt", "v")
    if key in _TO_MV:
        return signals * _TO_MV[key], []
    if not key:
        return signals, []
    return signals, [f"{name}: the unit {unit!r} is not a voltage ecgdash knows (mV, µV, V): the "
                     "samples are used as they are (beats are scaled to [0, 1] anyway)."]


UNIT_IN_NAME = re.compile(r"(?:[\s(\[_/-](mv|uv|µv|μv|millivolts?|microvolts?)|[(\[](v|nv))[)\]]?\s*$", re.I)


def unit_from_name(column: str) -> str | None:
    """The voltage unit a column name carries ("MLII (mV)", "ecg_uV", "II [µV]"), or None."""
    match = UNIT_IN_NAME.search(str(column))
    if not match:
        return None
    word = (match.group(1) or match.group(2)).lower().rstrip("s")
    return {"mv": "mV", "millivolt": "mV", "uv": "µV", "µv": "µV", "μv": "µV", "microvolt": "µV",
            "v": "V", "nv": "nV"}[word]


def guess_unit(signals: np.ndarray, name: str) -> list[str]:
    """Warnings when samples of unknown unit do not look like millivolts.

    An ECG in mV spans a few mV (QRS 0.5-5 mV). Whole numbers spanning hundreds or more are
    raw ADC counts; decimals spanning hundreds are probably µV. Nothing is converted on a guess:
    the classes do not depend on the scale (each beat is scaled to [0, 1]); only the axis does.
    """
    x = signals[np.isfinite(signals)]
    if not len(x):
        return []
    low, high = np.percentile(x, [0.5, 99.5])
    span = high - low
    if span <= 50:
        return []
    if np.all(x == np.round(x)):
        what = (f"whole numbers spanning {low:,.0f} to {high:,.0f}: they look like raw ADC "
                "counts, not mV")
    else:
        what = f"values spanning {span:,.0f}: more than an ECG in mV (µV?)"
    return [f"{name}: {what}. The axis shows the file's own units; the classes do not depend on "
            "the scale (each beat is scaled to [0, 1]). Name the unit in the column header, e.g. "
            "'II (uV)', to have it converted to mV."]


def check_signal(signals: np.ndarray, fs: float, name: str) -> list[str]:
    """Refuse too short, flat or all-missing signals; return warnings on missing samples."""
    warnings = []
    if signals.size == 0 or len(signals) + 1 < MIN_SECONDS * fs:      # a sample's leeway
        raise DataError(f"{name} is too short ({len(signals) / fs:.1f} s at {fs:g} Hz): ecgdash "
                        f"needs at least {MIN_SECONDS:g} s of ECG to find the beats and compare "
                        "each with its neighbours.")
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
        warnings.append(f"{name}: {missing:,} sample{'s' if missing != 1 else ''} ({missing / fs:.1f} s) {'are' if missing != 1 else 'is'} missing (NaN); "
                        "gaps are bridged for beat detection and beats that touch them are left out.")
    return warnings
