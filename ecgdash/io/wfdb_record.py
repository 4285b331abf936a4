"""WFDB records (``.hea`` + ``.dat``, optionally ``.atr``) of any PhysioNet database, at any rate."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import wfdb

from ecgdash.errors import DataError
from ecgdash.io.recording import Recording, check_fs, check_signal, to_millivolts


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
    warnings, unit = [], "mV"
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
