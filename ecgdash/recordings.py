"""Continuous ECG recordings: WFDB records (files, uploads, zips) and CSV/TXT signal exports.

    rec = load_recording("data/mitdb/208")                        # a WFDB record on disk
    rec = load_recording([("208.hea", b"..."), ("208.dat", b"...")])  # uploaded files (or a .zip)
    rec = load_recording("export.csv", fs=250)                     # a CSV of signal columns

Uploaded files are written into a temporary folder that is removed afterwards, under names
checked to be plain file names: an upload's name never decides where anything is written.
Anything unusable raises ``DataError`` saying what is wrong.
"""
from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .csvio import _decompress, _is_number, _to_text
from .errors import DataError
from .records import MAX_FS, MIN_FS, Recording, _check_signal, check_fs, read_recording  # noqa: F401

MAX_UNZIPPED = 1 << 30          # refuse zips that expand beyond 1 GiB
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}$")
_SIGNAL_EXT = (".csv", ".txt", ".tsv", ".gz")


# ----------------------------------------------------------------------------- CSV / TXT

_TIME_NAME = re.compile(r"^(time|t|sec|secs|seconds|s|ms|msec|timestamp|elapsed.*|time.*)$", re.I)


def _delimiter(lines: list[str]) -> str | None:
    """The field separator of a few text lines: ',', ';', tab, or None for whitespace."""
    for delim in (",", ";", "\t"):
        counts = {line.count(delim) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return delim
    return None


def read_signal_csv(data: bytes, name: str, fs: float | None = None,
                    default_fs: float = 360.0) -> Recording:
    """A CSV/TXT export: one or more signal columns, optionally a time column and a header.

    The sampling rate comes from ``fs`` if given, else from a time column (seconds, or
    milliseconds when its name says ms), else ``default_fs``.
    """
    import pandas as pd

    text = _to_text(_decompress(data, name), name)
    lines = [line for line in text.splitlines()[:50] if line.strip() and not line.startswith("#")]
    if not lines:
        raise DataError(f"{name} is empty." if not text.strip() else f"{name} holds no data lines.")
    delim = _delimiter(lines[1:] if len(lines) > 1 else lines)
    first = re.split(delim if delim else r"\s+", lines[0].strip())
    has_header = not all(_is_number(c) for c in first if c.strip())
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delim if delim else r"\s+", header=0 if has_header else None,
                            comment="#", engine="c" if delim else "python", skip_blank_lines=True)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{name} could not be read as a table of numbers ({exc}).") from None
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    usable = [c for c in numeric.columns if numeric[c].notna().mean() >= 0.5]
    if not usable:
        raise DataError(f"{name} has no numeric column: expected one column of samples per lead "
                        "(and optionally a time column).")
    time_col = None
    names = [str(c) for c in usable]
    for col, label in zip(usable, names):
        if has_header and _TIME_NAME.match(label.strip()):
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
        step = float(np.median(np.diff(t[np.isfinite(t)]))) if np.isfinite(t).sum() > 1 else 0.0
        if "ms" in str(time_col).lower() and has_header:
            step /= 1000.0
        inferred = 1.0 / step if step > 0 else None
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
    fs = check_fs(fs if fs is not None else default_fs)
    signals = numeric[usable].to_numpy(dtype=np.float64)
    leads = [str(c) if has_header else f"lead {i + 1}" for i, c in enumerate(usable)]
    warnings += _check_signal(signals, fs, name)
    return Recording(name=Path(name).stem, fs=fs, signals=signals, leads=leads, kind="csv",
                     warnings=warnings)



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
    members = [m for m in archive.infolist() if not m.is_dir() and not Path(m.filename).name.startswith(".")]
    if sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise DataError(f"{name} expands to more than {MAX_UNZIPPED >> 20} MB; upload the record files.")
    out = []
    for m in members:
        try:
            out.append((Path(m.filename).name, archive.read(m)))
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise DataError(f"{name}: {m.filename} could not be extracted ({exc}).") from None
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


def load_recording(source, fs: float | None = None, record: str | None = None,
                   default_fs: float = 360.0) -> Recording:
    """A recording from a path (WFDB record, ``.zip``, CSV/TXT) or a list of uploaded files.

    ``source``: a path, or a list of file objects / ``(name, bytes)`` pairs (an upload of several
    files, or one ``.zip``). With several WFDB records in one upload, ``record`` picks one (by
    default the first by name). ``fs`` is the sampling rate of a CSV/TXT signal (WFDB headers
    carry their own).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.suffix.lower() in _SIGNAL_EXT:
            if not path.is_file():
                raise DataError(f"File not found: {path}")
            return read_signal_csv(path.read_bytes(), path.name, fs=fs, default_fs=default_fs)
        if path.suffix.lower() == ".zip":
            if not path.is_file():
                raise DataError(f"File not found: {path}")
            return load_recording([(path.name, path.read_bytes())], fs=fs, record=record,
                                  default_fs=default_fs)
        return read_recording(path)
    items = _file_items(list(source))
    if not items:
        raise DataError("No files were uploaded.")
    names = [n for n, _ in items]
    headers = sorted(n[:-4] for n in names if n.lower().endswith(".hea"))
    if headers:
        chosen = record if record in headers else headers[0]
        with tempfile.TemporaryDirectory(prefix="ecgdash_") as tmp:
            folder = Path(tmp)
            for name, data in items:
                if name.lower().endswith((".hea", ".dat", ".atr", ".qrs")):
                    _write_safely(folder, name, data)
            rec = read_recording(folder / chosen)
        if len(headers) > 1:
            rec.warnings = (rec.warnings or []) + [
                f"The upload holds {len(headers)} records ({', '.join(headers)}); showing {chosen}."]
        return rec
    if any(n.lower().endswith(".dat") for n in names):
        raise DataError("The upload has a .dat signal file but no .hea header: a WFDB record needs "
                        "both (and optionally the .atr annotations).")
    signals = [(n, d) for n, d in items if n.lower().endswith(_SIGNAL_EXT)]
    if not signals:
        raise DataError(f"Nothing usable in the upload ({', '.join(names[:6])}): expected a WFDB "
                        "record (.hea + .dat, optionally .atr; or a .zip of them) or a CSV/TXT "
                        "file of signal columns.")
    name, data = signals[0]
    return read_signal_csv(data, name, fs=fs, default_fs=default_fs)
