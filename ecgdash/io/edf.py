"""EDF/EDF+ and BDF/BDF+ files (Holter, sleep-lab and device exports), with their annotations."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pyedflib

from ecgdash.config import AAMI_MAP
from ecgdash.errors import DataError
from ecgdash.io.recording import Recording, check_fs, check_signal, to_millivolts

EDF_SUFFIXES = (".edf", ".bdf", ".rec")
_EDF_MAGIC = (b"0       ", b"\xffBIOSEMI")
_ECG_LABEL = re.compile(r"ecg|ekg|mlii|^(lead\s*)?(i{1,3}|avr|avl|avf|v[1-6])$", re.I)


def is_edf(data: bytes) -> bool:
    """Does ``data`` start like an EDF/EDF+ or BDF/BDF+ file (by content, whatever its name)?"""
    return data[:8] in _EDF_MAGIC and len(data) >= 256


def record_count_warning(data: bytes, name: str) -> str | None:
    """A warning when the header's count of data records disagrees with what the file holds
    (pyedflib reads what the header says: a header claiming 10 of 300 records reads 10)."""
    try:
        claimed = int(data[236:244].decode("ascii").strip())
        ns = int(data[252:256].decode("ascii").strip())
        offset = 256 + ns * 216
        per_record = sum(int(data[offset + 8 * i: offset + 8 * i + 8].decode("ascii").strip())
                         for i in range(ns))
        duration = float(data[244:252].decode("ascii").strip())
    except (ValueError, UnicodeDecodeError):
        return None
    width = 3 if data[:8] == _EDF_MAGIC[1] else 2
    if per_record <= 0 or claimed < 0:
        return None
    held = (len(data) - 256 * (ns + 1)) // (per_record * width)
    if held == claimed:
        return None
    return (f"{name}: its header says {claimed:,} data records ({claimed * duration:g} s) but the "
            f"file holds {held:,} ({held * duration:g} s); only what the header says is read. "
            "The file may have been cut short or its header not updated after recording.")


def read_edf(data: bytes, name: str) -> Recording:
    """An EDF/EDF+ or BDF/BDF+ file (Holter, sleep-lab, device exports), read with pyedflib.

    The ECG channels (labels with ECG/EKG or a lead name; else every channel) at the sampling
    rate of the first of them are kept, in mV. EDF+ annotations whose texts are beat symbols
    (N, V, A, ...) become the reference annotations; others are counted in a warning.
    """
    suffix = ".bdf" if data[:8] == _EDF_MAGIC[1] else ".edf"
    with tempfile.TemporaryDirectory(prefix="ecgdash_") as tmp:
        path = Path(tmp) / f"recording{suffix}"
        path.write_bytes(data)
        try:
            reader = pyedflib.EdfReader(str(path))
        except OSError as exc:       # pyedflib names the file it was given: ours, not the user's
            why = str(exc).replace(str(path), name).replace(str(tmp), "")
            raise DataError(f"{name} could not be read as an EDF/BDF file ({why}); it may be "
                            "damaged or cut short.") from None
        try:
            labels = [label.strip() for label in reader.getSignalLabels()]
            if not labels:
                raise DataError(f"{name} holds no signals.")
            ecg = [i for i, label in enumerate(labels) if _ECG_LABEL.search(label)] or list(range(len(labels)))
            fs = float(reader.getSampleFrequency(ecg[0]))
            chosen = [i for i in ecg if float(reader.getSampleFrequency(i)) == fs]
            warnings = [w for w in [record_count_warning(data, name)] if w]
            if len(chosen) < len(labels):
                other = [labels[i] for i in range(len(labels)) if i not in chosen]
                warnings.append(f"{name}: kept the ECG channel(s) {', '.join(labels[i] for i in chosen)} "
                                f"at {fs:g} Hz; left out {', '.join(other[:8])}"
                                f"{'…' if len(other) > 8 else ''}.")
            columns, unit = [], "mV"
            for i in chosen:
                x, notes = to_millivolts(reader.readSignal(i).astype(np.float64),
                                         reader.getPhysicalDimension(i), name)
                columns.append(x)
                warnings += notes
                unit = "file units" if notes else unit
            onsets, _, texts = reader.readAnnotations()
        finally:
            reader.close()
    fs = check_fs(fs)
    n = min(len(c) for c in columns)
    signals = np.column_stack([c[:n] for c in columns])
    ann_sample = ann_symbol = None
    texts = np.asarray([str(t).strip() for t in texts])
    if len(texts):
        known = np.isin(texts, list(AAMI_MAP) + ["+", "~", "|", "!", "x", "Q", "[", "]", '"'])
        if known.mean() > 0.5:
            keep = known & (np.asarray(onsets) * fs < n)
            ann_sample = np.round(np.asarray(onsets)[keep] * fs).astype(np.int64)
            ann_symbol = texts[keep]
            order = np.argsort(ann_sample, kind="stable")
            ann_sample, ann_symbol = ann_sample[order], ann_symbol[order]
        else:
            warnings.append(f"{name}: its {len(texts)} annotations are not beat labels (e.g. "
                            f"{texts[0]!r}); the beats are found by the QRS detector.")
    warnings += check_signal(signals, fs, name)
    return Recording(name=Path(name).stem, fs=fs, signals=signals, leads=[labels[i] for i in chosen],
                     ann_sample=ann_sample, ann_symbol=ann_symbol, kind="edf", warnings=warnings,
                     unit=unit)
