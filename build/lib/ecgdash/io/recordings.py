"""Reading recordings: WFDB records (files on disk, uploads, zips) and CSV/TXT signal exports.

One entry point, ``read_recording``, returns a ``Recording`` (all leads, the reference
annotations when there are any); ``Recording.lead_signal(lead)`` is the one lead that beats
are cut from::

    rec = read_recording("data/examples/mitdb_excerpts/208")           # a WFDB record on disk
    rec = read_recording([("208.hea", b"..."), ("208.dat", b"...")])   # uploaded files (or a .zip)
    rec = read_recording("strip.csv", fs=250)                           # a CSV of signal columns
    lead = rec.lead_signal("MLII")

Uploaded files are written into a temporary folder that is removed afterwards, under names
checked to be plain file names: an upload's name never decides where anything is written.
Anything unusable raises ``DataError`` saying what is wrong.
"""
from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from zlib import error as zlib_error

import numpy as np
import pandas as pd
import pyedflib
import wfdb

from ecgdash.config import AAMI_MAP
from ecgdash.errors import DataError, RateNeeded
from ecgdash.io.beats_csv import (
    _is_column_numbers,
    decompress,
    is_apple_health,
    is_number,
    looks_like_beats,
    to_text,
)

MIN_FS, MAX_FS = 50.0, 10_000.0
#: Lead names that mean MLII or lead II (as ``lead_key`` writes them).
MLII_NAMES = {"MLII", "II", "LEADII", "ECGII", "ECGLEADII"}


def lead_key(name) -> str:
    """A lead name compared loosely: upper case, without spaces, '_' or '-' ("lead II" -> "LEADII")."""
    return str(name).upper().replace(" ", "").replace("_", "").replace("-", "")
#: The shortest recording analysed: a 10-second strip (a 12-lead ECG, a smartwatch ECG).
MIN_SECONDS = 10.0
#: Sampling rate assumed for a CSV/TXT signal with no rate given and no time column.
MAX_UNZIPPED = 512 << 20        # stop unpacking a zip beyond 512 MiB (whatever its headers claim)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}$")
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
    kind: str = "wfdb"               # "wfdb", "edf", "apple" or "csv"
    warnings: list[str] = field(default_factory=list)
    unit: str = "mV"                 # of ``signals``: "mV", or "file units" when not known

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


_UNIT_IN_NAME = re.compile(r"(?:[\s(\[_/-](mv|uv|µv|μv|millivolts?|microvolts?)|[(\[](v|nv))[)\]]?\s*$", re.I)


def unit_from_name(column: str) -> str | None:
    """The voltage unit a column name carries ("MLII (mV)", "ecg_uV", "II [µV]"), or None."""
    match = _UNIT_IN_NAME.search(str(column))
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
        warnings.append(f"{name}: {missing:,} samples ({missing / fs:.1f} s) are missing (NaN); "
                        "gaps are bridged for beat detection and beats that touch them are left out.")
    return warnings


# ----------------------------------------------------------------------------- WFDB

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


# ----------------------------------------------------------------------------- EDF / BDF

EDF_SUFFIXES = (".edf", ".bdf", ".rec")
_EDF_MAGIC = (b"0       ", b"\xffBIOSEMI")
_ECG_LABEL = re.compile(r"ecg|ekg|mlii|^(lead\s*)?(i{1,3}|avr|avl|avf|v[1-6])$", re.I)


def is_edf(data: bytes) -> bool:
    """Does ``data`` start like an EDF/EDF+ or BDF/BDF+ file (by content, whatever its name)?"""
    return data[:8] in _EDF_MAGIC and len(data) >= 256


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
        except OSError as exc:
            raise DataError(f"{name} could not be read as an EDF/BDF file ({exc}); it may be "
                            "damaged or cut short.") from None
        try:
            labels = [label.strip() for label in reader.getSignalLabels()]
            if not labels:
                raise DataError(f"{name} holds no signals.")
            ecg = [i for i, label in enumerate(labels) if _ECG_LABEL.search(label)] or list(range(len(labels)))
            fs = float(reader.getSampleFrequency(ecg[0]))
            chosen = [i for i in ecg if float(reader.getSampleFrequency(i)) == fs]
            warnings = []
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


# ----------------------------------------------------------------------------- Apple Health

def _number(text: str) -> float:
    """A number that may use a decimal comma ("-12,5") or carry quotes."""
    text = text.strip().strip('"').replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(text)


def read_apple_health(text: str, name: str) -> Recording:
    """The ECG CSV of an Apple Health export (Apple Watch, lead I): a header block ("Sample
    Rate,512 hertz", "Lead,Lead I", "Unit,µV", ...), then one sample per line; decimal commas
    in some locales. No library reads it; it is simple enough to read here."""
    meta, values, started = {}, [], False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not started:
            try:
                values.append(_number(line))
                started = True
            except ValueError:
                key, _, value = line.partition(",")
                meta[key.strip().strip('"').lower()] = value.strip().strip('"')
            continue
        try:
            values.append(_number(line))
        except ValueError:
            raise DataError(f"{name}, line {lineno}: {line.strip()[:30]!r} is not a sample value.") from None
    rate = re.search(r"[\d.,]+", meta.get("sample rate", ""))
    if not rate:
        raise DataError(f"{name}: the 'Sample Rate' line gives no number ({meta.get('sample rate')!r}).")
    fs = check_fs(_number(rate.group()))
    lead = meta.get("lead") or "Lead I"
    signals, warnings = to_millivolts(np.asarray(values, dtype=np.float64)[:, None], meta.get("unit"), name)
    unit = "file units" if warnings else "mV"
    warnings += check_signal(signals, fs, name)
    return Recording(name=Path(name).stem, fs=fs, signals=signals, leads=[lead], kind="apple",
                     warnings=warnings, unit=unit)


# ----------------------------------------------------------------------------- CSV / TXT

_TIME_NAME = re.compile(r"^(time|t|sec|secs|seconds|s|ms|msec|timestamp|elapsed.*|time.*)$", re.I)


def _delimiter(lines: list[str]) -> str | None:
    """The field separator of a few text lines: ',', ';', tab, or None for whitespace."""
    for delim in (",", ";", "\t"):
        counts = {line.count(delim) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return delim
    return None


def read_signal_csv(data: bytes, name: str, *, fs: float | None = None) -> Recording:
    """A CSV/TXT export: one or more signal columns, optionally a time column and a header.

    The sampling rate comes from ``fs`` if given, else from a time column (seconds, or
    milliseconds when its name says ms); without either, ``RateNeeded`` (a ``DataError``) asks
    for it: no rate is ever assumed.
    """
    text = to_text(decompress(data, name), name, expected="a CSV/TXT file of signal columns")
    if is_apple_health(text):
        return read_apple_health(text, name)
    lines = [line for line in text.splitlines()[:50] if line.strip() and not line.startswith("#")]
    if not lines:
        raise DataError(f"{name} is empty." if not text.strip() else f"{name} holds no data lines.")
    delim = _delimiter(lines[1:] if len(lines) > 1 else lines)
    first = re.split(delim if delim else r"\s+", lines[0].strip())
    # a header of column numbers (",0,1,...,187" as pandas re-saves a Kaggle file) is a header too
    has_header = not all(is_number(c) for c in first if c.strip()) or _is_column_numbers(
        [c for c in first if c.strip()])
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delim if delim else r"\s+", header=0 if has_header else None,
                            comment="#", engine="c" if delim else "python", skip_blank_lines=True)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{name} could not be read as a table of numbers ({exc}).") from None
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    usable = [c for c in numeric.columns if numeric[c].notna().mean() >= 0.5]
    if looks_like_beats(numeric[usable].to_numpy(dtype=np.float64)):
        raise DataError(f"{name} is a file of beats (one per row, 187 values each), not a "
                        "recording: open it on the Predict page (or use ecgdash.load_beats).")
    if not usable:
        raise DataError(f"{name} has no numeric column: expected one column of samples per lead "
                        "(and optionally a time column).")
    time_col = None
    for col in usable:
        if has_header and _TIME_NAME.match(str(col).strip()):
            time_col = col
            break
    if time_col is None and len(usable) > 1:
        t = numeric[usable[0]].to_numpy()
        d = np.diff(t[np.isfinite(t)][:1000])
        if len(d) > 10 and np.all(d > 0) and np.std(d) < 0.01 * np.mean(d):
            time_col = usable[0]
    warnings = []
    if time_col is not None:
        t = numeric[time_col].to_numpy()
        known = np.flatnonzero(np.isfinite(t))
        # the mean step over the whole column: times written with few decimals (0.00278 s for
        # 1/360 s) would make a median step 0.1 % off
        step = float((t[known[-1]] - t[known[0]]) / (known[-1] - known[0])) if len(known) > 1 else 0.0
        if "ms" in str(time_col).lower() and has_header:
            step /= 1000.0
        inferred = 1.0 / step if step > 0 else None
        if inferred and abs(inferred - round(inferred)) < 5e-4 * inferred:
            inferred = float(round(inferred))        # devices sample at whole rates
        if fs is None and inferred:
            fs = inferred
            warnings.append(f"{name}: sampling rate {fs:.4g} Hz taken from the time column "
                            f"'{time_col}'.")
        elif fs is not None and inferred and abs(inferred - fs) > 0.01 * fs:
            warnings.append(f"{name}: the time column '{time_col}' suggests {inferred:.4g} Hz, "
                            f"but {fs:g} Hz was given; using {fs:g} Hz.")
        usable = [c for c in usable if c != time_col]
        if not usable:
            raise DataError(f"{name} has a time column but no signal column.")
    if fs is None:
        raise RateNeeded(Path(name).name, int(len(numeric)))
    fs = check_fs(fs)
    signals = np.array(numeric[usable].to_numpy(dtype=np.float64), copy=True)
    leads = [str(c) if has_header else f"lead {i + 1}" for i, c in enumerate(usable)]
    units = [unit_from_name(c) if has_header else None for c in usable]
    unit = "mV"
    for i, u in enumerate(units):
        if u is not None:
            signals[:, i], notes = to_millivolts(signals[:, i], u, name)
            warnings += notes
            leads[i] = _UNIT_IN_NAME.sub("", leads[i]).strip() or leads[i]
    unknown = [i for i, u in enumerate(units) if u is None]
    if unknown:
        notes = guess_unit(signals[:, unknown], name)
        warnings += notes
        unit = "file units" if notes else "mV"
    warnings += check_signal(signals, fs, name)
    return Recording(name=Path(name).stem, fs=fs, signals=signals, leads=leads, kind="csv",
                     warnings=warnings, unit=unit)


# ----------------------------------------------------------------------------- uploads

def _file_items(source) -> list[tuple[str, bytes]]:
    """(name, bytes) of every uploaded file, zips expanded (names flattened and checked)."""
    items = []
    for f in source:
        if isinstance(f, tuple):
            name, data = f
        else:
            name = getattr(f, "name", "upload")
            data = f.getvalue() if hasattr(f, "getvalue") else f.read()
        name = Path(str(name).replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            items.extend(_unzip(data, name))
        else:
            items.append((name, bytes(data)))
    return items


def _unzip(data: bytes, name: str) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError(f"{name} is not a valid zip file.") from None
    members = [m for m in archive.infolist() if not m.is_dir()
               and not Path(m.filename.replace("\\", "/")).name.startswith(".")]
    if not members:
        raise DataError(f"{name} is empty: no files inside.")
    too_big = DataError(f"{name} expands to more than {MAX_UNZIPPED >> 20} MB; upload the record "
                        "files themselves.")
    if sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise too_big
    out, left = [], MAX_UNZIPPED
    for m in members:
        try:      # read at most what is left of the budget: a header may lie about the size
            with archive.open(m) as member:
                data = member.read(left + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib_error) as exc:
            raise DataError(f"{name}: {m.filename} could not be extracted ({exc}).") from None
        if len(data) > left:
            raise too_big
        left -= len(data)
        # only the base name is kept: "../x" or "/etc/x" inside a zip never decide where it goes
        out.append((Path(m.filename.replace("\\", "/")).name, data))
    return out


def _write_safely(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` only if ``name`` is a plain, safe file name."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise DataError(f"The file name {name!r} is not allowed: use letters, digits, '.', '_' "
                        "and '-' only.")
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise DataError(f"The file name {name!r} is not allowed.")
    target.write_bytes(data)
    return target


def _read_uploads(items: list[tuple[str, bytes]], *, fs, record) -> Recording:
    if not items:
        raise DataError("No files were uploaded.")
    names = [n for n, _ in items]
    headers = sorted(n[:-4] for n in names if n.lower().endswith(".hea"))
    if headers:
        chosen = record if record in headers else headers[0]
        with tempfile.TemporaryDirectory(prefix="ecgdash_") as tmp:
            folder = Path(tmp)
            for name, data in items:
                if name.lower().endswith(WFDB_SUFFIXES):
                    _write_safely(folder, name, data)
            rec = read_wfdb(folder / chosen)
        if len(headers) > 1:
            rec.warnings.append(f"The upload holds {len(headers)} records ({', '.join(headers)}); "
                                f"showing {chosen}.")
        return rec
    edf = [(n, d) for n, d in items if n.lower().endswith(EDF_SUFFIXES) or is_edf(d)]
    if edf:
        return read_edf(edf[0][1], edf[0][0])
    if names and all(n.lower().endswith((".atr", ".qrs")) for n in names):
        raise DataError("The upload holds annotations only (.atr): upload them with the record's "
                        ".hea header and .dat signal file.")
    if any(n.lower().endswith(".dat") for n in names):
        raise DataError("The upload has a .dat signal file but no .hea header: a WFDB record needs "
                        "both (and optionally the .atr annotations).")
    signals = [(n, d) for n, d in items if n.lower().endswith(SIGNAL_SUFFIXES)]
    if not signals:
        raise DataError(f"Nothing usable in the upload ({', '.join(names[:6])}): expected a WFDB "
                        "record (.hea + .dat, optionally .atr; or a .zip of them), an EDF/BDF file, "
                        "or a CSV/TXT file of signal columns (an Apple Health ECG export too).")
    name, data = signals[0]
    rec = read_signal_csv(data, name, fs=fs)
    if len(signals) > 1:
        rec.warnings.append(f"The upload holds {len(signals)} signal files "
                            f"({', '.join(n for n, _ in signals[:6])}); showing {name} only.")
    return rec


def read_recording(source, *, fs: float | None = None, record: str | None = None) -> Recording:
    """Read a recording from a path or from uploaded files.

    Parameters
    ----------
    source : str, Path, or list of uploaded files
        A WFDB record (path with or without extension), a ``.zip`` of record files, or a
        CSV/TXT of signal columns; or a list of file objects / ``(name, bytes)`` pairs (an
        upload of several files, or one ``.zip``).
    fs : float, optional
        Sampling rate of a CSV/TXT signal in Hz. None: from its time column; a file without
        one raises ``RateNeeded``. WFDB headers carry their own rate.
    record : str, optional
        Which record to read when an upload holds several (default: the first by name).

    Returns
    -------
    Recording

    Raises
    ------
    DataError
        Missing or unreadable files, a header without its signal file, a bad zip, a signal
        that is too short, flat or empty, an implausible sampling rate.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.suffix.lower() in SIGNAL_SUFFIXES + EDF_SUFFIXES + (".zip",):
            if not path.is_file():
                raise DataError(f"File not found: {path}")
            return _read_uploads(_file_items([(path.name, path.read_bytes())]), fs=fs, record=record)
        return read_wfdb(path)
    return _read_uploads(_file_items(list(source)), fs=fs, record=record)
