"""WFDB records (``.hea`` + ``.dat``, optionally ``.atr``) of any PhysioNet database, at any rate."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import wfdb

from ecgdash.errors import DataError
from ecgdash.io.recording import MAX_SAMPLES, Recording, check_fs, check_signal, to_millivolts

#: Bytes per sample of WFDB's storage formats (FLAC formats 508/516/524 are compressed: unknown).
_FORMAT_BYTES = {"8": 1, "16": 2, "24": 3, "32": 4, "61": 2, "80": 1, "160": 2, "212": 1.5,
                 "310": 4 / 3, "311": 4 / 3}


def header_fs(path: Path) -> float | None:
    """The sampling rate written on the header's record line (None when the line gives none,
    where WFDB's default of 250 Hz applies). wfdb reads an unreadable rate ("-360", "nan") as
    that default without a word; here it is a DataError."""
    name = path.name
    try:
        lines = path.with_suffix(".hea").read_text(errors="replace").splitlines()
    except OSError as exc:
        raise DataError(f"Record {name}: the header could not be read ({exc}).") from None
    fields = next((line.split() for line in lines if line.strip() and not line.lstrip().startswith("#")), [])
    if len(fields) < 3:
        return None
    text = fields[2].split("/")[0].split("(")[0]
    try:
        return check_fs(text)
    except DataError as exc:
        raise DataError(f"Record {name}: the header's sampling rate {fields[2]!r} is unusable: {exc}") from None


def _check_size(path: Path, header) -> None:
    """Refuse a record whose header and .dat files disagree, or that is too large to read,
    before wfdb allocates anything."""
    name = path.name
    if header.sig_len and header.sig_len * len(header.sig_name) > MAX_SAMPLES:
        raise DataError(f"Record {name}: the header gives {header.sig_len:,} samples per lead, "
                        f"{header.sig_len * len(header.sig_name):,} in all: more than ecgdash "
                        f"reads at once ({MAX_SAMPLES:,}; 24 hours of two leads at 360 Hz). "
                        "Cut the record into parts (e.g. wfdb.rdrecord(..., sampfrom, sampto)).")
    per_file: dict[str, float] = {}
    for fname, fmt in zip(header.file_name or [], header.fmt or []):
        if fname and fname != "~":
            size = _FORMAT_BYTES.get(str(fmt))
            per_file[fname] = per_file.get(fname, 0.0) + (size if size is not None else float("nan"))
    for fname, bytes_per_frame in per_file.items():
        if not np.isfinite(bytes_per_frame):
            continue
        size = (path.parent / fname).stat().st_size
        frames = size / bytes_per_frame
        if header.sig_len and size < int(header.sig_len * bytes_per_frame):
            raise DataError(f"Record {name}: {fname} holds {int(frames):,} samples per lead but "
                            f"the header says {header.sig_len:,}; it may be truncated.")
        if frames * len(header.sig_name) > MAX_SAMPLES:
            raise DataError(f"Record {name}: {fname} is {size / 1e6:,.0f} MB, "
                            f"{int(frames):,} samples per lead: more than ecgdash reads at once "
                            f"({MAX_SAMPLES:,} in all). Cut the record into parts.")


#: The ADC gains (units per mV) a header may give: real devices use about 10 to 100,000.
GAINS = (1e-3, 1e9)


def _check_gains(name: str, header) -> None:
    """Refuse a header whose ADC gain makes no signal (0, negative, absurd: 1e-300 turns every
    sample into infinity) before the samples are read; a gain of 0 means "uncalibrated" in WFDB
    and reads as 200."""
    for lead, gain in zip(header.sig_name or [], header.adc_gain or []):
        if gain is None or gain == 0:
            continue
        if not np.isfinite(gain) or not GAINS[0] <= gain <= GAINS[1]:
            raise DataError(f"Record {name}: the header gives lead {lead} an ADC gain of {gain:g} units "
                            f"per mV, which no device uses ({GAINS[0]:g}-{GAINS[1]:g}): correct the "
                            "header (MIT-BIH's is 200).")


def read_wfdb(path) -> Recording:
    """A WFDB record on disk (``path`` with or without extension), all leads, its ``.atr`` if any."""
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
    written_fs = header_fs(path)
    for fname in {f for f in (header.file_name or []) if f}:
        if not (path.parent / fname).is_file():
            raise DataError(f"Record {name}: the header names the signal file {fname}, "
                            "which is missing. Upload it together with the header.")
    _check_size(path, header)
    _check_gains(name, header)
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
    warnings, unit = [], "mV"
    if written_fs is None:
        warnings.append(f"Record {name}: the header gives no sampling rate, so WFDB's default, "
                        f"{fs:g} Hz, is used; if the device recorded at another rate, every "
                        "interval and rate shown is wrong.")
    for i, u in enumerate(rec.units or []):
        signals[:, i], notes = to_millivolts(signals[:, i], u, f"Record {name}, {rec.sig_name[i]}")
        warnings += notes
        unit = "file units" if notes else unit
    ann_sample = ann_symbol = None
    if path.with_suffix(".atr").is_file():
        try:
            ann = wfdb.rdann(str(path), "atr")
        except Exception as exc:
            raise DataError(f"Record {name}: the annotation file could not be read ({exc}).") from None
        ann_sample, ann_symbol = np.asarray(ann.sample, np.int64), np.asarray(ann.symbol)
    warnings += check_signal(signals, fs, f"Record {name}")
    return Recording(name=name, fs=fs, signals=signals, leads=list(rec.sig_name),
                     ann_sample=ann_sample, ann_symbol=ann_symbol, kind="wfdb", warnings=warnings,
                     unit=unit)
