"""Reading recordings: one entry point, ``read_recording``, for a path or uploaded files.

    rec = read_recording("data/examples/mitdb_excerpts/208")           # a WFDB record on disk
    rec = read_recording([("208.hea", b"..."), ("208.dat", b"...")])   # uploaded files (or a .zip)
    rec = read_recording("strip.csv", fs=250)                           # a CSV of signal columns

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
from zlib import error as zlib_error

from ecgdash.errors import DataError
from ecgdash.io import beats_csv
from ecgdash.io.cart import cart_format, read_cart
from ecgdash.io.edf import EDF_SUFFIXES, is_edf, read_edf
from ecgdash.io.recording import MAX_SAMPLES, SIGNAL_SUFFIXES, WFDB_SUFFIXES, Recording
from ecgdash.io.signal_csv import read_signal_csv
from ecgdash.io.wfdb_record import read_wfdb

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}$")


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
    seen: dict[str, str] = {}
    for m in members:       # names are flattened: two folders' 100.hea would become one record
        base = Path(m.filename.replace("\\", "/")).name
        if base in seen:
            raise DataError(f"{name} holds two files named {base} ({seen[base]} and {m.filename}): "
                            "they may be two different records. Zip one record's files at a time.")
        seen[base] = m.filename
    too_big = DataError(f"{name} expands to more than {beats_csv.MAX_UNPACKED >> 20} MB; upload the record "
                        "files themselves.")
    if sum(m.file_size for m in members) > beats_csv.MAX_UNPACKED:
        raise too_big
    for m in members:   # a signal file larger than any readable record is refused before unpacking
        if m.filename.lower().endswith(".dat") and m.file_size > 2 * MAX_SAMPLES:
            raise DataError(f"{name}: {m.filename} is {m.file_size / 1e6:,.0f} MB, more samples than "
                            f"ecgdash reads at once ({MAX_SAMPLES:,}; 24 hours of two leads at 360 "
                            "Hz). Cut the record into parts.")
    out, left = [], beats_csv.MAX_UNPACKED
    for m in members:
        try:      # read at most what is left of the budget: a header may lie about the size
            data = _read_member(archive, m, left, text=m.filename.lower().endswith(SIGNAL_SUFFIXES))
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib_error) as exc:
            raise DataError(f"{name}: {m.filename} could not be extracted ({exc}).") from None
        if data is None:
            raise too_big
        left -= len(data)
        # only the base name is kept: "../x" or "/etc/x" inside a zip never decide where it goes
        out.append((Path(m.filename.replace("\\", "/")).name, data))
    return out


def _read_member(archive, member, left: int, *, text: bool) -> bytes | None:
    """A zip member's bytes, read in pieces: None past ``left`` bytes (a header may lie about
    the size); a text file of more lines than any readable recording is refused as it comes."""
    pieces, size, lines = [], 0, 0
    with archive.open(member) as f:
        while piece := f.read(16 << 20):
            size += len(piece)
            if size > left:
                return None
            if text:
                lines += piece.count(b"\n")
                if lines > MAX_SAMPLES:
                    raise DataError(f"{member.filename} holds more than {MAX_SAMPLES:,} lines: more "
                                    "than ecgdash reads at once (24 hours of two leads at 360 Hz). "
                                    "Cut it into parts.")
            pieces.append(piece)
    return b"".join(pieces)


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


def upload_records(files) -> list[str]:
    """The recordings an upload holds, by name (zips opened): its WFDB records, else its EDF/BDF
    files, else its cart files (``io.cart``: HL7 aECG, DICOM, ...), else its CSV/TXT signal files;
    ``record=`` of ``read_recording`` picks one of them.

    >>> upload_records([("208.hea", b""), ("208.dat", b""), ("841.hea", b""), ("841.dat", b"")])
    ['208', '841']
    """
    items = _file_items(list(files))
    names = [n for n, _ in items]
    headers = sorted(n[:-4] for n in names if n.lower().endswith(".hea"))
    if headers:
        return headers
    edf = [n for n, d in items if n.lower().endswith(EDF_SUFFIXES) or is_edf(d)]
    return edf or [n for n, _ in _carts(items)] or [n for n in names if n.lower().endswith(SIGNAL_SUFFIXES)]


def _carts(items: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The uploaded files in a cart or Holter format (by content, whatever their names)."""
    return [(n, d) for n, d in items if not n.lower().endswith(WFDB_SUFFIXES) and cart_format(d)]


def _read_chosen(files: list[tuple[str, bytes]], record, read, what: str) -> Recording:
    """``read(data, name)`` of the file named ``record`` among ``files`` (else the first), with a
    warning naming the one shown when there were several (``what``: "EDF/BDF files")."""
    name, data = next(((n, d) for n, d in files if n == record), files[0])
    rec = read(data, name)
    if len(files) > 1:
        rec.warnings.append(f"The upload holds {len(files)} {what} "
                            f"({', '.join(n for n, _ in files[:6])}); showing {name}.")
    return rec


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
        return _read_chosen(edf, record, read_edf, "EDF/BDF files")
    carts = _carts(items)
    if carts:
        return _read_chosen(carts, record, read_cart, "ECG files")
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
                        "a 12-lead file from an ECG cart (HL7 aECG, Philips or GE MUSE XML, SCP-ECG, "
                        "DICOM), or a CSV/TXT file of signal columns (an Apple Health ECG export too).")
    return _read_chosen(signals, record, lambda data, name: read_signal_csv(data, name, fs=fs), "signal files")


def read_recording(source, *, fs: float | None = None, record: str | None = None) -> Recording:
    """Read a recording from a path or from uploaded files.

    Parameters
    ----------
    source : str, Path, or list of uploaded files
        A WFDB record (path with or without extension), a ``.zip`` of record files, an EDF/BDF
        file, a cart or Holter file (``io.cart``: HL7 aECG, Philips and GE MUSE XML, SCP-ECG,
        DICOM, ISHNE, ...), or a CSV/TXT of signal columns; or a list of file objects /
        ``(name, bytes)`` pairs (an upload of several files, or one ``.zip``).
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
        if path.suffix.lower() in SIGNAL_SUFFIXES + EDF_SUFFIXES + (".zip",) or (
                path.is_file() and path.suffix.lower() not in WFDB_SUFFIXES):   # a cart file: by content
            if not path.is_file():
                raise DataError(f"{path} is a folder, not a file." if path.is_dir() else f"File not found: {path}")
            try:
                data = path.read_bytes()
            except OSError as exc:           # permission, an I/O error: the user's path and why
                raise DataError(f"{path} could not be read: {exc.strerror or exc}.") from None
            return _read_uploads(_file_items([(path.name, data)]), fs=fs, record=record)
        return read_wfdb(path)
    return _read_uploads(_file_items(list(source)), fs=fs, record=record)
