"""Read beat CSV files as users have them, or say clearly what is wrong.

Accepted: 187 values per row (a beat), optionally a label 0..4 last, optionally a leading index
column, optionally one header line; ``%.18e`` or plain decimals; ``.csv`` or gzip-compressed
(``.csv.gz``, recognised by its content); a path or a file-like object (an upload).
Everything else raises :class:`DataError` with what is wrong and where (line, column).
"""
from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import numpy as np

from ecgdash.beats import Beats
from ecgdash.config import BEAT_LEN, N_CLASSES
from ecgdash.errors import DataError

# Magic numbers of files people upload by mistake.
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (a zip of a recording's files? open it on the Recordings "
                    "page; an Excel .xlsx file is a zip too)",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office document",
    b"BM": None,  # too short to be sure; checked by the binary test below
    b"\x93NUMPY": "a NumPy .npy file",
    b"0       ": "an EDF recording (open it on the Recordings page)",
    b"\xffBIOSEMI": "a BDF recording (open it on the Recordings page)",
}
_RANGE_TOL = 1e-6
#: A table with at most this many columns is taken for a recording (12 leads and a time column).
MAX_SIGNAL_COLUMNS = 16


def _name_of(source) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).name
    return getattr(source, "name", None) or "the upload"


def _read_bytes(source) -> bytes:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise DataError(f"File not found: {path}")
        if path.is_dir():
            raise DataError(f"{path} is a folder, not a CSV file of beats.")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise DataError(f"{path} could not be read: {exc.strerror or exc}.") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
    else:
        raise TypeError(f"load_beats takes a path or a file object, not {type(source).__name__}")
    return data.encode() if isinstance(data, str) else bytes(data)


#: The most a compressed upload may expand to (gzip here, zips in ``io.uploads``): the Kaggle
#: training CSV, the largest file ecgdash reads, is 395-412 MB. A file of 1 MB can inflate to
#: gigabytes; it is refused once this much has come out, never inflated in full.
MAX_UNPACKED = 512 << 20


def decompress(data: bytes, name: str) -> bytes:
    """Gunzip ``data`` if it is gzip (by its magic number), checking every member's trailer, and
    refusing (DataError) a file that expands beyond ``MAX_UNPACKED``. Its size is counted first,
    in pieces that are thrown away, so a bomb is refused holding a few MB, never its output."""
    if data[:2] != b"\x1f\x8b":
        return data
    size = _gunzip(data, name)
    out = bytearray(size)               # the output once, not its pieces and their join
    _gunzip(data, name, into=out)
    return out


def _gunzip(data: bytes, name: str, *, into: bytearray | None = None) -> int:
    """The size of the members' output, checked with their trailers (pieces thrown away), or,
    ``into`` a bytearray of that size, the output itself."""
    rest, total, piece = data, 0, 16 << 20
    try:
        while rest[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(wbits=31)
            tail = rest
            while not d.eof:
                chunk = d.decompress(tail, piece)
                if into is not None:
                    into[total:total + len(chunk)] = chunk
                total += len(chunk)
                if total > MAX_UNPACKED:
                    raise DataError(f"{name} expands to more than {MAX_UNPACKED >> 20} MB; the "
                                    "largest file ecgdash reads (the Kaggle training CSV) is about "
                                    "400 MB. Upload a smaller part of it.")
                tail = d.unconsumed_tail
                if not tail and not chunk:
                    break              # no input left and nothing more comes out: cut short
            if not d.eof:
                raise EOFError("the file ends before the end of the compressed data")
            rest = d.unused_data
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{name} is a broken gzip file ({exc}); it may be cut short. "
                        "Compress it again or upload the plain .csv.") from None
    return total


BEATS_TEXT = "a CSV file of beats (text with 187 comma-separated numbers per line)"


def to_text(data: bytes, name: str, *, expected: str = BEATS_TEXT) -> str:
    """``data`` decoded as text (UTF-8, UTF-16 with its byte-order mark, or Latin-1 / Windows
    text such as "µV"); DataError naming what was ``expected`` for binary files."""
    for magic, what in _MAGIC.items():
        if what and data.startswith(magic):
            raise DataError(f"{name} is {what}, not {expected}.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise DataError(f"{name} is a binary file, not {expected}.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("latin-1")          # Windows / Latin-1 text: "µV" in a header
        head = text[:65536]
        if sum(ord(c) > 126 or not (c.isprintable() or c in "\r\n\t") for c in head) > 0.01 * len(head):
            raise DataError(f"{name} is not a text file (byte {exc.start} is not valid UTF-8): "
                            f"expected {expected}.") from None
        return text


def head_lines(text: str, n: int) -> list[str]:
    r"""The first ``n`` lines of ``text`` without splitting all of it (a 500 MB file is 80
    million lines).

    >>> head_lines("a\nb\nc", 2), head_lines("a\nb", 5)
    (['a', 'b'], ['a', 'b'])
    """
    end, start = 0, 0
    for _ in range(n):
        end = text.find("\n", start)
        if end < 0:
            return text.splitlines()
        start = end + 1
    return text[:end].splitlines()


def is_apple_health(text: str) -> bool:
    """An Apple Health ECG export: a header block with "Sample Rate" and "Lead" lines."""
    head = [line.split(",", 1)[0].strip().strip('"').lower() for line in head_lines(text, 20)]
    return "sample rate" in head and "lead" in head


_WFDB_HEADER = re.compile(r"^\S+(/\d+)?\s+\d+\s+\d+(\.\d+)?(/\d+(\.\d+)?)?(\(\S*\))?(\s+\d+)?")
_RECORDING_SUFFIXES = {".dat": "a WFDB signal file", ".atr": "a WFDB annotation file",
                       ".qrs": "a WFDB annotation file", ".rec": "an EDF recording",
                       ".edf": "an EDF recording", ".bdf": "a BDF recording"}


def recording_hint(data: bytes, name: str) -> str | None:
    """If ``data`` is a recording (not beats), the sentence that sends it to the Recordings
    page: by content (an Apple Health export, a WFDB header), else, for binary files, by the
    file's suffix as a guess ("a WFDB signal file?"). None otherwise."""
    if any(what and data.startswith(magic) for magic, what in _MAGIC.items()):
        return None                    # a known kind of file: ``to_text`` names it
    head = data[:4096]
    try:
        text = head.decode("utf-8")
        binary = "\x00" in text
    except UnicodeDecodeError as exc:
        text, binary = head[:exc.start].decode("utf-8"), exc.start < len(head) - 4
    if binary or not head:
        suffix = Path(name).suffix.lower()
        what = _RECORDING_SUFFIXES.get(suffix)
        wfdb = (" (a WFDB record needs its .hea and .dat, optionally the .atr)"
                if suffix in (".dat", ".atr", ".qrs") else "")
        return (f"{name} is a binary file ({what}?): open the recording on the Recordings "
                f"page{wfdb}." if what else None)
    if is_apple_health(text):
        return (f"{name} is an Apple Health ECG export, a recording over time: open it on the "
                "Recordings page.")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if lines and _WFDB_HEADER.match(lines[0]) and "," not in lines[0] and (
            any(".dat" in line or " 212 " in line or " 16 " in line for line in lines[1:3])):
        return (f"{name} is a WFDB header (.hea): open it with its .dat signal file (and the .atr "
                "annotations, if you have them) on the Recordings page.")
    return None


def is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _check_delimiter(line: str, lineno: int, name: str) -> None:
    if "," in line:
        return
    for delim, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
        if line.count(delim) >= 2:
            raise DataError(f"{name}, line {lineno}: the values are separated by {label}; "
                            "ecgdash reads comma-separated files like the Kaggle CSVs. "
                            "Save the file with commas as the separator.")
    if len(line.split()) >= 2:
        raise DataError(f"{name}, line {lineno}: the values are separated by spaces; ecgdash reads "
                        "comma-separated files like the Kaggle CSVs.")


def _diagnose(lines: list[tuple[int, str]], ncols: int, name: str) -> None:
    """Find the first malformed line and raise DataError saying where. Returns if none."""
    for lineno, line in lines:
        cells = line.split(",")
        if len(cells) != ncols:
            raise DataError(f"{name}, line {lineno}: {len(cells)} columns, but the first line has "
                            f"{ncols}. Every row must have the same number of values (ragged rows).")
        for col, cell in enumerate(cells, start=1):
            text = cell.strip()
            if not text:
                raise DataError(f"{name}, line {lineno}, column {col}: empty cell.")
            try:
                value = float(text)
            except ValueError:
                raise DataError(f"{name}, line {lineno}, column {col}: {text[:30]!r} is not a number."
                                ) from None
            if not np.isfinite(value):
                raise DataError(f"{name}, line {lineno}, column {col}: {text!r} is not a finite "
                                "number (NaN or infinity); fill or drop that beat first.")


def _index_column(first: np.ndarray, header: list[str] | None) -> bool:
    """Is the first column a row index (a pandas re-save)?"""
    if header is not None:
        head = header[0].strip().strip('"').lower()
        if head in ("", "index", "unnamed: 0", "id", "#"):
            return True
    if len(first) < 2 or not np.all(first == np.round(first)):
        return False
    return bool(np.all(np.diff(first) == 1) and first[0] in (0, 1))


def _layout(ncols: int, first: np.ndarray, header, name: str) -> tuple[bool, bool]:
    """(has_index, has_label) for a file of ``ncols`` columns."""
    if ncols == BEAT_LEN:
        return False, False
    if ncols == BEAT_LEN + 2:
        return True, True
    if ncols == BEAT_LEN + 1:
        index = _index_column(first, header)
        return index, not index
    kind = ""
    if ncols <= MAX_SIGNAL_COLUMNS:
        kind = (" This looks like a recording (a signal over time, a column per lead), not a "
                "file of beats: open it on the Recordings page (or use ecgdash.analyze_record).")
    raise DataError(f"{name}: {ncols} column{'s' if ncols > 1 else ''} per row.{kind} A beat file "
                    f"has {BEAT_LEN} values per row (one beat at 120 Hz), optionally a label 0..4 "
                    f"last ({BEAT_LEN + 1}) and a leading index column ({BEAT_LEN + 2}).")


def looks_like_beats(values: np.ndarray) -> bool:
    """Is a table of numbers a file of beats: 187 to 189 columns (an index and a label around
    the beat allowed) with some 187 consecutive columns all within [0, 1]?"""
    values = np.asarray(values, dtype=np.float64)
    ncols = values.shape[1] if values.ndim == 2 else 0
    if not BEAT_LEN <= ncols <= BEAT_LEN + 2:
        return False
    for start in range(ncols - BEAT_LEN + 1):
        block = values[:, start:start + BEAT_LEN]
        finite = block[np.isfinite(block)]
        if len(finite) and finite.min() >= -_RANGE_TOL and finite.max() <= 1 + _RANGE_TOL:
            return True
    return False


def is_column_numbers(cells: list[str]) -> bool:
    """A header of column numbers (``0,1,...,187`` as pandas writes), not a beat."""
    try:
        numbers = np.array([float(c) for c in cells])
    except ValueError:
        return False
    return len(numbers) >= BEAT_LEN and numbers[0] in (0, 1) and bool(np.all(np.diff(numbers) == 1))


def _data_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every non-blank line."""
    return [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _head_lines(text: str | bytes, count: int = 2) -> list[tuple[int, str]]:
    """The first ``count`` non-blank lines (as str), without splitting the whole text (or the
    whole ASCII bytes)."""
    newline = "\n" if isinstance(text, str) else b"\n"
    found, lineno, pos = [], 0, 0
    while len(found) < count and pos < len(text):
        end = text.find(newline, pos)
        end = len(text) if end < 0 else end
        lineno += 1
        line = text[pos:end]
        line = (line if isinstance(line, str) else line.decode("ascii")).rstrip("\r")
        if line.strip():
            found.append((lineno, line))
        pos = end + 1
    return found


def _as_str(text: str | bytes) -> str:
    """The text as str (ASCII bytes decoded): for the error paths, which split it in lines."""
    return text if isinstance(text, str) else text.decode("ascii")


def _parse(text: str | bytes, name: str) -> tuple[np.ndarray, list[str] | None, int]:
    """Numbers of a CSV text (str, or ASCII bytes read as they are: no second copy of a 400 MB
    file) as (rows, cols) float64, the header cells if any, and the line number of the first
    data line. Malformed text raises DataError naming the line and column.
    """
    if not text or text.isspace():
        raise DataError(f"{name} is empty." if not text else f"{name} holds only blank lines.")
    head = _head_lines(text)
    header = None
    first_no, first = head[0]
    _check_delimiter(first, first_no, name)
    cells = first.split(",")
    if not cells[0].strip() or not all(is_number(c) for c in cells if c.strip()) \
            or is_column_numbers(cells):
        header = cells
        if len(head) < 2:
            raise DataError(f"{name} has a header line but no beats.")
        _check_delimiter(head[1][1], head[1][0], name)
    data_no = head[1][0] if header else first_no
    ncols = len(head[1 if header else 0][1].split(","))
    try:
        stream = io.StringIO(text) if isinstance(text, str) else io.BytesIO(text)
        values = np.loadtxt(stream, delimiter=",", dtype=np.float64, ndmin=2,
                            skiprows=first_no if header else 0)
        ok = values.shape[1] == ncols and np.isfinite(values).all()
    except ValueError:
        ok = False
    if not ok:
        lines = _data_lines(_as_str(text))[1 if header else 0:]
        _diagnose(lines, ncols, name)
        raise DataError(f"{name} could not be read as a CSV of numbers.")
    return values, header, data_no


def _line_of(text: str, row: int, header: bool) -> int:
    """File line number of data row ``row`` (0-based), blank lines counted."""
    return _data_lines(_as_str(text))[row + (1 if header else 0)][0]


def load_beats(source, *, rescale: bool = False) -> Beats:
    """Read a file of beats (one per row, the Kaggle layout) into ``Beats``.

    Parameters
    ----------
    source : str, Path, bytes or file object
        The file: ``.csv`` or gzip-compressed ``.csv.gz`` (recognised by content), 187 values
        per row, optionally a label 0..4 last, a leading index column and one header line.
    rescale : bool, default False
        Min-max scale, per beat, beats whose values are not within [0, 1] (and say how many
        in ``Beats.warnings``); without it such a file raises ``DataError``.

    Returns
    -------
    Beats
        ``X`` float32 (n, 187); ``y`` int64 (n,) when the file has labels, else None.

    Raises
    ------
    DataError
        For anything that is not a beat file (empty, binary, an image, a wrong column count,
        ragged rows, text cells, NaN, labels outside 0..4, ...), with what is wrong and where
        (line, column).

    Examples
    --------
    >>> beats = ecgdash.load_beats("data/examples/mitbih_test_500.csv")
    >>> beats.X.shape, beats.class_counts()["V"]
    ((500, 187), 100)
    """
    name = _name_of(source)
    data = decompress(_read_bytes(source), name)
    if (hint := recording_hint(data, name)) is not None:
        raise DataError(hint)
    if data.isascii():             # the Kaggle files: parsed as bytes, never copied into a str
        to_text(data[:65536], name)    # refuses binary files by their head, as for any text
        text = data
    else:
        text = to_text(data, name)
    values, header, _ = _parse(text, name)
    line_of = lambda row: _line_of(text, row, header is not None)  # noqa: E731 (error path only)
    has_index, has_label = _layout(values.shape[1], values[:, 0], header, name)
    X = values[:, 1:] if has_index else values
    y = None
    warnings = []
    if has_label:
        labels = X[:, -1]
        X = X[:, :-1]
        bad = np.flatnonzero((labels != np.round(labels)) | (labels < 0) | (labels >= N_CLASSES))
        if len(bad):
            row = bad[0]
            raise DataError(f"{name}, line {line_of(row)}, column {values.shape[1]}: the label "
                            f"{labels[row]:g} is not a class 0..4 (N, S, V, F, Q) "
                            f"({len(bad)} such row{'s' if len(bad) > 1 else ''} in all).")
        y = labels.astype(np.int64)
    out_of_range = (X.min(axis=1) < -_RANGE_TOL) | (X.max(axis=1) > 1 + _RANGE_TOL)
    if out_of_range.any():
        rows = np.flatnonzero(out_of_range)
        if not rescale:
            r = rows[0]
            col = int(np.argmax((X[r] < -_RANGE_TOL) | (X[r] > 1 + _RANGE_TOL)))
            raise DataError(f"{name}, line {line_of(r)}, column {col + 1 + has_index}: value "
                            f"{X[r, col]:g} is outside [0, 1]. The models expect each beat min-max "
                            f"scaled to [0, 1] like the Kaggle rows ({len(rows)} beats are not); "
                            "allow rescaling to scale them per beat.")
        lo = X[rows].min(axis=1, keepdims=True)
        span = X[rows].max(axis=1, keepdims=True) - lo
        X[rows] = np.divide(X[rows] - lo, span, out=np.zeros_like(X[rows]), where=span > 0)
        warnings.append(f"{len(rows)} beats were not within [0, 1] and were min-max scaled per beat.")
    return Beats(X=np.clip(X, 0.0, 1.0).astype(np.float32), y=y, warnings=warnings)
