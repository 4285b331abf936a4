"""The beat CSV loader: every accepted layout, and a clear DataError for everything else."""
from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from conftest import beat_rows
from ecgdash import DataError, load_beats
from ecgdash.datasets.mitbih import write_kaggle_csv


def kaggle_text(X, y=None) -> str:
    buf = io.BytesIO()
    write_kaggle_csv_to(buf, X, y)
    return buf.getvalue().decode()


def write_kaggle_csv_to(buf, X, y):
    rows = X.astype(np.float64) if y is None else np.column_stack([X, y]).astype(np.float64)
    np.savetxt(buf, rows, fmt="%.18e", delimiter=",")


@pytest.fixture
def rows():
    return beat_rows(12)


def _load(data, name="beats.csv"):
    f = io.BytesIO(data.encode() if isinstance(data, str) else data)
    f.name = name
    return load_beats(f)


# ---------------------------------------------------------------- accepted layouts

def test_kaggle_layout_roundtrip_is_exact(rows, tmp_path):
    X, y = rows
    path = tmp_path / "mitbih_test.csv"
    write_kaggle_csv(path, X, y)
    beats = load_beats(path)
    np.testing.assert_array_equal(beats.X, X)
    np.testing.assert_array_equal(beats.y, y)
    assert beats.X.dtype == np.float32 and beats.y.dtype == np.int64


def test_without_label(rows):
    X, _ = rows
    beats = _load(kaggle_text(X))
    assert beats.y is None
    np.testing.assert_array_equal(beats.X, X)


@pytest.mark.parametrize("index", [False, True])
@pytest.mark.parametrize("header", [False, True])
@pytest.mark.parametrize("label", [False, True])
def test_pandas_resaves(rows, index, header, label):
    """Header line and/or a leading index column, as ``DataFrame.to_csv`` writes them."""
    X, y = rows
    df = pd.DataFrame(X.astype(np.float64))
    if label:
        df[187] = y.astype(float)
    beats = _load(df.to_csv(index=index, header=header))
    np.testing.assert_allclose(beats.X, X, atol=1e-7)
    if label:
        np.testing.assert_array_equal(beats.y, y)
    else:
        assert beats.y is None


def test_named_header_and_plain_decimals(rows):
    X, y = rows
    df = pd.DataFrame(np.round(X, 4), columns=[f"s{i}" for i in range(187)])
    df["label"] = y
    beats = _load(df.to_csv(index=False))
    np.testing.assert_allclose(beats.X, np.round(X, 4), atol=1e-7)
    np.testing.assert_array_equal(beats.y, y)


def test_gzip_and_path_and_crlf_and_blank_lines(rows, tmp_path):
    X, y = rows
    text = kaggle_text(X, y)
    path = tmp_path / "beats.csv.gz"
    path.write_bytes(gzip.compress(text.replace("\n", "\r\n\n").encode()))
    beats = load_beats(path)
    np.testing.assert_array_equal(beats.X, X)
    np.testing.assert_array_equal(beats.y, y)
    assert len(load_beats(str(path))) == len(X)


def test_out_of_range_values_rescaled_on_request(rows):
    X, _ = rows
    scaled = X * 3.0 - 1.0
    text = kaggle_text(scaled)
    with pytest.raises(DataError, match=r"line 1, column \d+: value .* outside \[0, 1\]"):
        _load(text)
    beats = load_beats(io.BytesIO(text.encode()), rescale=True)
    assert beats.X.min() == 0.0 and beats.X.max() == 1.0
    assert "12 beats" in beats.warnings[0]


# ---------------------------------------------------------------- errors: what and where

def _bad(rows, mutate):
    X, y = rows
    lines = kaggle_text(X, y).splitlines()
    return "\n".join(mutate(lines)) + "\n"


def _set_cell(lines, line, col, value):
    cells = lines[line].split(",")
    cells[col] = value
    lines[line] = ",".join(cells)
    return lines


@pytest.mark.parametrize("mutate, message", [
    (lambda ls: _set_cell(ls, 4, 10, "abc"), r"line 5, column 11: 'abc' is not a number"),
    (lambda ls: _set_cell(ls, 2, 0, "nan"), r"line 3, column 1: 'nan' is not a finite number"),
    (lambda ls: _set_cell(ls, 6, 3, "inf"), r"line 7, column 4: 'inf' is not a finite number"),
    (lambda ls: _set_cell(ls, 6, 3, ""), r"line 7, column 4: empty cell"),
    (lambda ls: _set_cell(ls, 3, 187, "7"), r"line 4, column 188: the label 7 is not a class"),
    (lambda ls: _set_cell(ls, 3, 187, "-1"), r"line 4, column 188: the label -1 is not a class"),
    (lambda ls: _set_cell(ls, 8, 187, "2.5"), r"line 9, column 188: the label 2.5 is not a class"),
    (lambda ls: ls[:5] + [ls[5] + ",0.5"] + ls[6:], r"line 6: 189 columns.*ragged"),
    (lambda ls: ls[:5] + [ls[5].rsplit(",", 1)[0]] + ls[6:], r"line 6: 187 columns.*ragged"),
    (lambda ls: [line.replace(",", ";") for line in ls], r"line 1: .*separated by semicolons"),
    (lambda ls: [line.replace(",", "\t") for line in ls], r"line 1: .*separated by tabs"),
    (lambda ls: [line.replace(",", " ") for line in ls], r"separated by spaces"),
    (lambda ls: [",".join(line.split(",")[:100]) for line in ls], r"100 columns per row"),
    (lambda ls: ls[:2] + ["", ""] + [ls[2].replace(",", ",x", 1)] + ls[3:],
     r"line 5, column 2: 'x.*' is not a number"),
])
def test_malformed_rows(rows, mutate, message):
    with pytest.raises(DataError, match=message):
        _load(_bad(rows, mutate))


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"\n\n   \n", "only blank lines"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
    (b"\xff\xd8\xff\xe0" + bytes(64), "a JPEG image"),
    (b"%PDF-1.4 ...", "a PDF document"),
    (b"PK\x03\x04" + bytes(64), "a ZIP archive"),
    (bytes(range(256)) * 4, "binary file"),
    (b"\xfe\xfa\xe9 caf\xe9,1\n", "not a text file"),
    (gzip.compress(b"0.1," * 200, mtime=0)[:30], "broken gzip"),
    (b"a,b,c\n", "header line but no beats"),
])
def test_not_a_beat_file(data, message):
    with pytest.raises(DataError, match=message):
        _load(data)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="File not found"):
        load_beats(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        load_beats(tmp_path)


def test_error_is_a_value_error_and_names_the_file(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("1,2,3\n")
    with pytest.raises(ValueError, match="mine.csv"):
        load_beats(path)


@pytest.mark.parametrize("layout", ["plain", "label", "index", "index+label"])
def test_a_beat_table_is_recognised_in_every_layout(rows, layout):
    """What the recordings reader refuses as a file of beats, whatever columns surround them."""
    from ecgdash.io.beats_csv import looks_like_beats

    X, y = rows
    index = np.arange(len(X), dtype=float)[:, None] + 5      # an index column beyond [0, 1]
    table = {"plain": X, "label": np.column_stack([X, y]), "index": np.column_stack([index, X]),
             "index+label": np.column_stack([index, X, y])}[layout]
    assert looks_like_beats(table)
    assert not looks_like_beats(table * 3 + 1)                # signal values, not scaled beats
    assert not looks_like_beats(X[:, :12])                    # a 12-lead recording
