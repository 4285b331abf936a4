"""ECGs as hospital carts and Holters export them, read through ecgdatakit: HL7 aECG (the FDA's
format), Philips Sierra XML (XLI-compressed 1.03 too), GE MUSE XML, SCP-ECG, DICOM waveform
(with pydicom), ISHNE Holter, MFER, Mortara ELI, AliveCor Kardia and others.

Recognised by content (what the file starts with), never by its name. What ecgdash keeps of
such a file is its leads, their rate and their samples in mV: the patient's name, ID, birth
date and every other field of the file are not read into the recording, so nothing downstream
(page, PDF, CSV, log) can show them. WFDB and EDF files are read by ecgdash's own readers (they
keep the beat annotations).

    rec = read_cart(Path("ecg.xml").read_bytes(), "ecg.xml")
    rec.leads, rec.fs, rec.unit       # ['I', 'II', ..., 'V6'], 500.0, 'mV'
"""
from __future__ import annotations

import tempfile
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from ecgdash.errors import DataError
from ecgdash.io.leads import DERIVED, TWELVE, limb_leads, standard_names
from ecgdash.io.recording import MAX_SAMPLES, Recording, check_fs, check_signal

#: What ecgdatakit reads that ecgdash reads itself, with the annotations: not taken from it.
OWN_READERS = {"WFDBParser", "EDFParser"}
_SNIFF = 4096          # ecgdatakit's parsers recognise a file from its first 4096 bytes


def _sniff(data: bytes) -> dict | None:
    from ecgdatakit import FileParser

    with tempfile.TemporaryDirectory(prefix="ecgdash_") as tmp:
        path = Path(tmp) / "ecg"
        path.write_bytes(data[:_SNIFF])
        try:
            found = FileParser.detect_format(path)
        except Exception:          # a parser's sniffer failing on odd bytes: not this format
            return None
    return None if found is None or found["parser"] in OWN_READERS else found


def cart_format(data: bytes) -> str | None:
    """The name of the cart or Holter format ``data`` is in (by content), or None.

    Examples
    --------
    >>> cart_format(b'<?xml version="1.0"?><AnnotatedECG xmlns="urn:hl7-org:v3">')
    'HL7 aECG'
    >>> cart_format(b"time,II\\n0,0.1\\n") is None
    True
    """
    found = _sniff(data)
    return None if found is None else found["name"]


def _one_line(text: str, tmp: str, name: str) -> str:
    """The parser's reason on one line, with our temporary file's name replaced by the user's."""
    line = " ".join(str(text).replace(tmp, "").replace("/ecg", name).replace("ecg:", f"{name}:").split())
    return line[:240] + ("…" if len(line) > 240 else "")


def read_cart(data: bytes, name: str) -> Recording:
    """A cart or Holter file (``data``, named ``name``) as a ``Recording``: its leads by their
    standard names, the rate, the samples in mV.

    The four limb leads III, aVR, aVL and aVF are computed from I and II when the file stores
    only I and II of the limb leads (8-lead carts); leads at another rate than most are left
    out, with a warning. Patient fields are not read.

    Raises
    ------
    DataError
        Not a format ecgdatakit knows, or one it cannot decode (cut short, damaged, a variant
        it refuses): one line naming the format and what failed; a DICOM file without pydicom.
    """
    from ecgdatakit import FileParser

    found = _sniff(data)
    if found is None:
        raise DataError(f"{name} is not in a cart or Holter format ecgdash reads (HL7 aECG, Philips "
                        "XML, GE MUSE XML, SCP-ECG, DICOM, ISHNE, MFER, ...).")
    fmt = found["name"]
    with tempfile.TemporaryDirectory(prefix="ecgdash_") as tmp:
        path = Path(tmp) / "ecg"
        path.write_bytes(data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                record = FileParser.parse(path, units="mV")
            except ImportError as exc:
                raise DataError(f"{name} is a {fmt} file; reading it needs a package that is not "
                                f"installed ({exc.name or exc}): pip install 'ecgdatakit[dicom]'.") from None
            except Exception as exc:    # a third-party parser on any bytes (ECGDataKitError and others)
                raise DataError(f"{name}: this {fmt} file could not be read "
                                f"({_one_line(exc, tmp, name)}); it may be cut short or damaged.") from None
        notes = [f"{name}: {_one_line(w.message, tmp, name)}" for w in caught]
    return _recording(record.leads, name, fmt, notes)


def _recording(leads, name: str, fmt: str, notes: list[str]) -> Recording:
    """The leads (ecgdatakit ``Lead`` objects) as a Recording; nothing else of the file is used."""
    leads = [lead for lead in leads if len(lead.samples)]
    if not leads:
        raise DataError(f"{name}: this {fmt} file holds no samples.")
    rates = Counter(float(lead.sampling_rate) for lead in leads)
    fs = check_fs(rates.most_common(1)[0][0])
    kept = [lead for lead in leads if float(lead.sampling_rate) == fs]
    if len(kept) < len(leads):
        notes.append(f"{name}: kept the {len(kept)} leads at {fs:g} Hz; left out "
                     f"{', '.join(f'{lead.label} ({lead.sampling_rate:g} Hz)' for lead in leads if lead not in kept)}.")
    n = min(len(lead.samples) for lead in kept)
    if n * len(kept) > MAX_SAMPLES:
        raise DataError(f"{name} holds {n * len(kept):,} samples: more than ecgdash reads at once "
                        f"({MAX_SAMPLES:,}). Cut it into parts.")
    if max(len(lead.samples) for lead in kept) > n * 1.01:
        notes.append(f"{name}: its leads are of different lengths; each is cut to the shortest, "
                     f"{n / fs:.1f} s.")
    raw = [lead.label for lead in kept if lead.is_raw or (lead.units or "").lower() != "mv"]
    unit = "file units" if raw else "mV"
    if raw:
        notes.append(f"{name}: the file gives no physical scale for {', '.join(raw[:6])}; the samples "
                     "are drawn as stored (the classes do not depend on the scale).")
    labels = [str(lead.label).strip() or f"lead {i + 1}" for i, lead in enumerate(kept)]
    columns = {label: np.asarray(lead.samples[:n], dtype=np.float64) for label, lead in zip(labels, kept)}
    named = standard_names(labels)
    missing = [d for d in DERIVED if d not in named]
    if "I" in named and "II" in named and missing:
        computed = limb_leads(columns[named["I"]], columns[named["II"]])
        columns.update({d: computed[d] for d in missing})
        labels += missing
        notes.append(f"{name}: {', '.join(missing)} computed from leads I and II (the file does not "
                     "store them).")
    order = sorted(labels, key=lambda label: TWELVE.index(s) if (s := _standard(label)) else len(TWELVE))
    signals = np.column_stack([columns[label] for label in order])
    notes += check_signal(signals, fs, f"{name} ({fmt} file)")
    return Recording(name=Path(name).stem, fs=fs, signals=signals, leads=order, kind="cart",
                     warnings=notes, unit=unit, source_format=fmt)


def _standard(label: str) -> str | None:
    return next(iter(standard_names([label])), None)
