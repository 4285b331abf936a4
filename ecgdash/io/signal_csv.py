"""CSV/TXT exports of signal columns: one column per lead, optionally a time column and a header."""
from __future__ import annotations

import codecs
import io
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ecgdash.config import BEAT_LEN
from ecgdash.errors import DataError, RateNeeded
from ecgdash.io.apple_health import read_apple_health
from ecgdash.io.beats_csv import (
    decompress,
    head_lines,
    is_apple_health,
    is_column_numbers,
    is_number,
    looks_like_beats,
    to_text,
)
from ecgdash.io.recording import (
    MAX_SAMPLES,
    UNIT_IN_NAME,
    Recording,
    check_fs,
    check_signal,
    guess_unit,
    to_millivolts,
    unit_from_name,
)

_TIME_NAME = re.compile(r"^(time|t|sec|secs|seconds|s|ms|msec|timestamp|elapsed.*|time.*)$", re.I)
_COMMA_NUMBER = re.compile(r"(^|[^\d,.])-?\d+,\d+([^\d,]|$)")
_POINT_NUMBER = re.compile(r"\d\.\d")


def _delimiter(lines: list[str]) -> str | None:
    """The field separator of a few text lines: ';', tab, ',', or None for whitespace (';' and tab
    first: beside them a comma is a decimal comma, "0,125;0,250")."""
    for delim in (";", "\t", ","):
        counts = {line.count(delim) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return delim
    return None


def decimal_comma(lines: list[str], delim: str | None) -> bool:
    """Whether data ``lines`` write numbers with a decimal comma (European spreadsheets):
    "0,125;0,250" (another separator), or one column of "0,125" / "-0,05" (commas then split
    every line in two, and the part after it starts with 0 on some line, "0,016", which no
    integer does, or the part before it is "-0").

    Examples
    --------
    >>> decimal_comma(["0,125;1,5", "0,130;1,4"], ";"), decimal_comma(["512,498", "515,490"], ",")
    (True, False)
    >>> decimal_comma(["0,125", "-0,05", "0,2"], ",")
    True
    """
    if not lines:
        return False
    if delim != ",":
        return (any(_COMMA_NUMBER.search(line) for line in lines)
                and not any(_POINT_NUMBER.search(line) for line in lines))
    parts = [line.strip().split(",") for line in lines]
    if any(len(p) != 2 for p in parts) or not all(is_number(a) and b.strip().isdigit() for a, b in parts):
        return False
    # integers are never written "012": one such part, or a "-0" before the comma, is a decimal
    return any((len(b.strip()) > 1 and b.strip()[0] == "0") or a.strip() in ("-0", "+0")
               for a, b in parts)


#: How much of a file is decoded to find its layout (header, separator, decimal mark).
_HEAD = 1 << 20


def _plain_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text (no UTF-16 byte-order mark), checked in pieces: a large
    file is never held twice, as bytes and as a str."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), 16 << 20):
            decoder.decode(view[start:start + (16 << 20)], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _numbers(column: pd.Series, comma: bool) -> pd.Series:
    """A column as numbers, a cell that is none as NaN. A column holding one text cell is read
    as text: with a decimal comma its numbers are "0,125" and must be read as such, or the
    whole column would be lost for one cell."""
    if comma and not pd.api.types.is_numeric_dtype(column):
        column = column.astype(str).str.replace(",", ".", regex=False).where(column.notna())
    return pd.to_numeric(column, errors="coerce")


def _data_lines(data: bytes, rows) -> dict[int, int]:
    """The line number (from 1) in ``data`` of each data row in ``rows`` (0 the first line that
    is neither blank nor a comment), for messages."""
    wanted, out, row = set(int(r) for r in rows), {}, -1
    for number, line in enumerate(io.BytesIO(data), start=1):
        if line.strip() and not line.lstrip().startswith(b"#"):
            row += 1
            if row in wanted:
                out[row] = number
                if len(out) == len(wanted):
                    break
    return out


def _bad_cells(text_columns: dict, numeric: pd.DataFrame, usable, data: bytes, name: str,
               has_header: bool) -> list[str]:
    """A warning naming the cells of the signal columns that hold something but not a number
    (each counts as one missing sample): how many, and the first few by line and column.
    ``text_columns``: the columns as read, for those that were read as text."""
    checked = [c for c in usable if c in text_columns]
    if not checked:
        return []
    bad = np.column_stack([(text_columns[c].notna() & numeric[c].isna()).to_numpy() for c in checked])
    if not bad.any():
        return []
    rows, cols = np.nonzero(bad)
    order = np.argsort(rows, kind="stable")
    rows, cols = rows[order], cols[order]
    shown = list(zip(rows[:3], cols[:3]))
    lines = _data_lines(data, [r + int(has_header) for r, _ in shown])
    where = "; ".join(f"line {lines.get(r + int(has_header), '?')}, column {checked[c]!r}: "
                      f"{str(text_columns[checked[c]].iloc[r])[:20]!r}" for r, c in shown)
    return [f"{name}: {len(rows):,} cell{'s' if len(rows) != 1 else ''} of the signal column"
            f"{'s' if len(usable) != 1 else ''} {'are' if len(rows) != 1 else 'is'} not a number and "
            f"count{'' if len(rows) != 1 else 's'} as a missing sample ({where}"
            f"{'; ...' if len(rows) > 3 else ''})."]


def read_signal_csv(data: bytes, name: str, *, fs: float | None = None) -> Recording:
    """A CSV/TXT export: one or more signal columns, optionally a time column and a header.

    The sampling rate comes from ``fs`` if given, else from a time column (seconds, or
    milliseconds when its name says ms); without either, ``RateNeeded`` (a ``DataError``) asks
    for it: no rate is ever assumed.
    """
    data, head = _decoded(data, name)
    if is_apple_health(head):
        return read_apple_health(to_text(data, name, expected=_EXPECTED), name)
    layout = _layout(head, data, name)
    numeric, usable, warnings = _table(data, name, layout)
    time_col = _time_column(numeric, usable, layout.has_header)
    if time_col is not None:
        fs, said = _rate_from_time(numeric[time_col].to_numpy(), time_col, fs, layout.has_header, name)
        warnings += said
        usable = [c for c in usable if c != time_col]
        if not usable:
            raise DataError(f"{name} has a time column but no signal column.")
    if fs is None:
        raise RateNeeded(Path(name).name, int(len(numeric)))
    fs = check_fs(fs)
    del data                           # a 24-hour file: each copy is hundreds of MB
    signals = numeric[usable].to_numpy(dtype=np.float64, copy=True)
    del numeric
    leads, unit, said = _in_millivolts(signals, usable, layout.has_header, name)
    warnings += said
    warnings += check_signal(signals, fs, name)
    return Recording(name=Path(name).stem, fs=fs, signals=signals, leads=leads, kind="csv",
                     warnings=warnings, unit=unit)


_EXPECTED = "a CSV/TXT file of signal columns"


class _Layout(NamedTuple):
    delim: str | None           # None: whitespace
    comma: bool                 # decimal comma
    has_header: bool
    warnings: list


def _decoded(data: bytes, name: str) -> tuple[bytes, str]:
    """The file as UTF-8 bytes (decompressed, re-encoded when it was not UTF-8) and its head as
    text; too many lines for one read is refused before decoding (a str costs as much again)."""
    data = decompress(data, name)
    n_lines = data.count(b"\n")
    if n_lines > MAX_SAMPLES:
        raise DataError(f"{name} holds {n_lines:,} lines: more than ecgdash reads at once "
                        f"({MAX_SAMPLES:,} samples; 24 hours of two leads at 360 Hz). Cut it into parts.")
    if not _plain_utf8(data):          # UTF-16, Latin-1: decoded once, and read as UTF-8 from here
        data = to_text(data, name, expected=_EXPECTED).encode("utf-8")
    head = to_text(data[:_HEAD] if len(data) > _HEAD else data, name, expected=_EXPECTED)
    return data, head


def _layout(head: str, data: bytes, name: str) -> _Layout:
    """Separator, decimal mark and header, read from the first data lines."""
    lines = [line for line in head_lines(head, 50) if line.strip() and not line.startswith("#")]
    if not lines:
        raise DataError(f"{name} is empty." if not data.strip() else f"{name} holds no data lines.")
    delim = _delimiter(lines[1:] if len(lines) > 1 else lines)
    warnings = []
    comma = decimal_comma(lines[1:] if len(lines) > 1 else lines, delim)
    if comma:
        warnings.append(f"{name}: numbers read with a decimal comma (0,125 as 0.125).")
        if delim == ",":
            delim = None           # one column: the comma was never a separator
    first = re.split(delim if delim else r"\s+", lines[0].strip())
    # a header of column numbers (",0,1,...,187" as pandas re-saves a Kaggle file) is a header too
    has_header = not all(is_number(c.replace(",", ".") if comma else c) for c in first if c.strip()) or is_column_numbers(
        [c for c in first if c.strip()])
    rows = data.count(b"\n") + 1
    if rows * max(len([c for c in first if c.strip()]), 1) > MAX_SAMPLES:
        raise DataError(f"{name} holds about {rows:,} rows of {len(first)} column(s): more than "
                        f"ecgdash reads at once ({MAX_SAMPLES:,} samples; 24 hours of two leads at "
                        "360 Hz). Cut it into parts.")
    return _Layout(delim, comma, has_header, warnings)


def _table(data: bytes, name: str, layout: _Layout) -> tuple[pd.DataFrame, list, list[str]]:
    """The columns as numbers, the usable ones (half their cells or more are numbers) and what
    was said about bad cells; a file of beats, or one with no number column, is refused."""
    try:
        # the C engine for every layout (r"\s+" too): the python engine took 12.8 s and 1.65 GB
        # for a one-column file of 5 million rows; bytes, not a StringIO (4 bytes a character)
        frame = pd.read_csv(io.BytesIO(data), sep=layout.delim if layout.delim else r"\s+",
                            header=0 if layout.has_header else None, comment="#", engine="c",
                            skip_blank_lines=True, decimal="," if layout.comma else ".", encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{name} could not be read as a table of numbers ({exc}).") from None
    # columns read as text (one cell that is not a number is enough) as numbers, in place: the
    # text kept only for those, to name their bad cells
    text_columns = {c: frame[c] for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])}
    for c, column in text_columns.items():
        frame[c] = _numbers(column, layout.comma)
    usable = [c for c in frame.columns if frame[c].notna().mean() >= 0.5]
    warnings = layout.warnings + _bad_cells(text_columns, frame, usable, data, name, layout.has_header)
    if BEAT_LEN <= len(usable) <= BEAT_LEN + 2 and looks_like_beats(frame[usable].to_numpy(dtype=np.float64)):
        raise DataError(f"{name} is a file of beats (one per row, 187 values each), not a "
                        "recording: open it on the Predict page (or use ecgdash.load_beats).")
    if not usable:
        raise DataError(f"{name} has no numeric column: expected one column of samples per lead "
                        "(and optionally a time column).")
    return frame, usable, warnings


def _time_column(numeric: pd.DataFrame, usable: list, has_header: bool):
    """The time column: named so in the header, or a first column that rises in even steps."""
    for col in usable:
        if has_header and _TIME_NAME.match(str(col).strip()):
            return col
    if len(usable) > 1:
        t = numeric[usable[0]].to_numpy()
        d = np.diff(t[np.isfinite(t)][:1000])
        if len(d) > 10 and np.all(d > 0) and np.std(d) < 0.01 * np.mean(d):
            return usable[0]
    return None


def _rate_from_time(t: np.ndarray, time_col, fs: float | None, has_header: bool,
                    name: str) -> tuple[float | None, list[str]]:
    """The sampling rate: ``fs`` when given (said when the time column disagrees), else the
    time column's (whole when within 0.05 % of a whole rate)."""
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
        return inferred, [f"{name}: sampling rate {inferred:.4g} Hz taken from the time column '{time_col}'."]
    if fs is not None and inferred and abs(inferred - fs) > 0.01 * fs:
        return fs, [f"{name}: the time column '{time_col}' suggests {inferred:.4g} Hz, "
                    f"but {fs:g} Hz was given; using {fs:g} Hz."]
    return fs, []


def _in_millivolts(signals: np.ndarray, columns: list, has_header: bool,
                   name: str) -> tuple[list[str], str, list[str]]:
    """Each column in mV, in place (by the unit in its name, else by its amplitude): the leads'
    names, the unit ("mV", or "file units" when it cannot be told) and what was said."""
    leads = [str(c) if has_header else f"column {i + 1}" for i, c in enumerate(columns)]   # not "lead 1": lead I
    units = [unit_from_name(c) if has_header else None for c in columns]
    unit, warnings = "mV", []
    for i, u in enumerate(units):
        if u is not None:
            signals[:, i], notes = to_millivolts(signals[:, i], u, name)
            warnings += notes
            leads[i] = UNIT_IN_NAME.sub("", leads[i]).strip() or leads[i]
    unknown = [i for i, u in enumerate(units) if u is None]
    if unknown:
        notes = guess_unit(signals[:, unknown], name)
        warnings += notes
        unit = "file units" if notes else "mV"
    return leads, unit, warnings
