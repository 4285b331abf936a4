"""Beat cutting: the Kaggle recipe on real MIT-BIH records, any lead, any sampling rate."""
from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest
import wfdb

from conftest import COMMON_RECORDS
from ecgdash import DataError, beats_from_record, read_recording
from ecgdash.config import AAMI_MAP
from ecgdash.ecg.cutting import beats_at, cut_beats, segment_lengths


def _expected_counts(records, name):
    """Per-class counts straight from the .atr: beat symbols, the record's last annotation dropped."""
    ann = wfdb.rdann(str(records / name), "atr")
    symbols = ann.symbol[:-1]
    return Counter(AAMI_MAP[s] for s in symbols if s in AAMI_MAP)


@pytest.mark.parametrize("name", COMMON_RECORDS)
def test_class_counts_match_annotations(records, name):
    beats = beats_from_record(records / name)
    assert Counter(beats.y.tolist()) == _expected_counts(records, name)
    assert beats.X.shape == (len(beats.y), 187) and beats.X.dtype == np.float32
    assert set(beats.record) == {name}
    assert np.all(np.diff(beats.sample) > 0)


def test_row_recomputed_by_hand(records):
    """One beat of record 208 (a V beat) by the recipe, written out independently."""
    rec = wfdb.rdrecord(str(records / "208"))
    ann = wfdb.rdann(str(records / "208"), "atr")
    x, a = rec.p_signal[:, 0], ann.sample
    k = next(i for i in range(100, len(a)) if ann.symbol[i] == "V")
    seglen = (a[k + 1] - a[k]) + int(0.2 * (a[k + 2] - a[k + 1]))
    seg = x[a[k]:a[k] + seglen:3]
    v = (seg - seg.min()) / (seg.max() - seg.min())
    row = np.zeros(187, dtype=np.float32)
    row[:min(len(v), 187)] = v[:187]

    beats = beats_from_record(records / "208")
    j = int(np.flatnonzero(beats.sample == a[k])[0])
    assert beats.y[j] == 2
    np.testing.assert_array_equal(beats.X[j], row)


def test_scaling_and_zero_padding(records):
    rec = read_recording(records / "213").lead_signal()
    beats = beats_from_record(records / "213")
    X = beats.X
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.allclose(X.max(axis=1), 1.0) and np.allclose(X.min(axis=1), 0.0)
    # a row holds ceil(seglen / 3) samples at 120 Hz (at most 187), then zeros
    index = np.searchsorted(rec.ann_sample, beats.sample)
    expected = np.minimum(np.ceil(segment_lengths(rec.ann_sample, index) / 3), 187).astype(int)
    assert expected.min() < 150 and (expected == 187).sum() < len(expected)
    for row, n in zip(X, expected):
        assert np.all(row[n:] == 0)
    lengths = np.array([np.max(np.flatnonzero(r)) + 1 for r in X])
    assert np.all(lengths <= expected) and np.mean(lengths >= expected - 2) > 0.9


def test_lead_by_name_and_index(records):
    # record 208: channel 0 is MLII, channel 1 is V1
    default = beats_from_record(records / "208")
    assert default.lead == "MLII"
    by_name = beats_from_record(records / "208", lead="v1")
    by_index = beats_from_record(records / "208", lead=1)
    assert by_name.lead == by_index.lead == "V1"
    np.testing.assert_array_equal(by_name.X, by_index.X)
    assert not np.array_equal(default.X, by_name.X)
    np.testing.assert_array_equal(default.y, by_name.y)
    with pytest.raises(DataError, match="no lead named 'V5'.*MLII, V1"):
        beats_from_record(records / "208", lead="V5")
    with pytest.raises(DataError, match="lead index 5"):
        beats_from_record(records / "208", lead=5)


def test_detected_and_annotated_positions_are_cut_by_one_function(records):
    """Beats at detected positions are the annotated beats' rows when the positions agree."""
    rec = read_recording(records / "119")
    lead = rec.lead_signal()
    annotated = beats_at(lead, rec.ann_sample, rec.ann_symbol)
    positions = rec.ann_sample[np.isin(rec.ann_symbol, list(AAMI_MAP))]
    detected = beats_at(lead, positions[::-1])          # order does not matter
    assert detected.y is None and len(detected) == len(positions) - 1
    np.testing.assert_array_equal(detected.sample, annotated.sample)
    # rows agree where the next two marks are beats in both (other annotations end a beat early)
    k = np.searchsorted(rec.ann_sample, annotated.sample)
    beat = np.isin(rec.ann_symbol, list(AAMI_MAP))
    clean = beat[np.minimum(k + 1, len(beat) - 1)] & beat[np.minimum(k + 2, len(beat) - 1)]
    clean[-2:] = False
    assert clean.mean() > 0.8
    np.testing.assert_array_equal(detected.X[clean], annotated.X[clean])
    np.testing.assert_array_equal(detected.rr, annotated.rr)


def _resampled_copy(records, name, fs, folder, sig_names=("ECG1", "ECG2")):
    """Write record ``name`` resampled to ``fs`` Hz, with other lead names, as a new WFDB record."""
    from scipy.signal import resample_poly

    rec = wfdb.rdrecord(str(records / name), sampto=360 * 120)
    ann = wfdb.rdann(str(records / name), "atr", sampto=360 * 120)
    sig = resample_poly(rec.p_signal, fs, 360, axis=0)
    new = f"r{fs}"
    wfdb.wrsamp(new, fs=fs, units=["mV", "mV"], sig_name=list(sig_names), p_signal=sig,
                fmt=["16", "16"], write_dir=str(folder))
    samples = np.round(ann.sample * fs / 360).astype(np.int64)
    wfdb.wrann(new, "atr", samples, symbol=ann.symbol, write_dir=str(folder))
    return folder / new, ann


@pytest.mark.parametrize("fs", [250, 128])
def test_other_sampling_rate_and_lead_names(records, tmp_path, fs):
    path, ann = _resampled_copy(records, "208", fs, tmp_path)
    beats = beats_from_record(path, lead="ECG1")
    original = beats_from_record(records / "208")
    first = original.sample < 360 * 120
    expected = Counter(AAMI_MAP[s] for s in ann.symbol[:-1] if s in AAMI_MAP)
    assert Counter(beats.y.tolist()) == expected
    assert beats.fs == fs and beats.lead == "ECG1"
    # same beats, samples 1/120 s apart: close to the 360 Hz rows (not identical: resampling)
    a, b = original.X[first][:len(beats)], beats.X
    n = min(len(a), len(b)) - 1
    corr = np.mean([np.corrcoef(a[i], b[i])[0, 1] for i in range(n)])
    assert corr > 0.95


def test_cut_beats_integer_step_matches_slicing():
    """At 240 Hz (step 2) rows come from plain slicing; at 120 Hz every sample is used."""
    rng = np.random.default_rng(1)
    sig = rng.normal(size=5000)
    marks = np.array([100, 400, 700, 1000])
    rows = cut_beats(sig, 240.0, marks, np.array([0, 1]))
    seg = sig[100:100 + 300 + 60:2]
    v = (seg - seg.min()) / (seg.max() - seg.min())
    np.testing.assert_array_equal(rows[0, :len(v)], v.astype(np.float32))
    assert np.all(rows[0, len(v):] == 0)


def test_flat_segment_gives_zero_row():
    rows = cut_beats(np.ones(2000), 360.0, np.array([0, 300, 600]), np.array([0]))
    assert np.all(rows == 0)


def test_missing_files(records, tmp_path):
    with pytest.raises(DataError, match="header file .* not found"):
        beats_from_record(tmp_path / "nothing")
    shutil.copy(records / "208.hea", tmp_path / "208.hea")
    with pytest.raises(DataError, match="signal file 208.dat, which is missing"):
        read_recording(tmp_path / "208")
    shutil.copy(records / "208.dat", tmp_path / "208.dat")
    with pytest.raises(DataError, match="no .atr"):
        beats_from_record(tmp_path / "208")


def test_truncated_dat(records, tmp_path):
    shutil.copy(records / "208.hea", tmp_path / "208.hea")
    (tmp_path / "208.dat").write_bytes((records / "208.dat").read_bytes()[:1000])
    with pytest.raises(DataError, match="208"):
        read_recording(tmp_path / "208")


def _with_header_line(records, tmp_path, edit):
    """A copy of excerpt 119 whose header's record line is ``edit(fields)``."""
    lines = (records / "119.hea").read_text().splitlines()
    lines[0] = " ".join(edit(lines[0].split()))
    (tmp_path / "119.hea").write_text("\n".join(lines) + "\n")
    shutil.copy(records / "119.dat", tmp_path / "119.dat")
    return tmp_path / "119"


@pytest.mark.parametrize("rate", ["-360", "nan", "0", "360000000"])
def test_an_unusable_rate_in_the_header_is_refused(records, tmp_path, rate):
    """Issue 23: fs = -360 or nan was read at wfdb's default 250 Hz and rated "Clean signal"."""
    path = _with_header_line(records, tmp_path, lambda f: [f[0], f[1], rate, *f[3:]])
    with pytest.raises(DataError, match=f"sampling rate '{rate}' is unusable"):
        read_recording(path)


def test_a_header_without_a_rate_says_which_one_is_assumed(records, tmp_path):
    path = _with_header_line(records, tmp_path, lambda f: f[:2])
    rec = read_recording(path)
    assert rec.fs == 250.0 and any("gives no sampling rate" in w for w in rec.warnings)
    assert not any("sampling rate" in w for w in read_recording(records / "119").warnings)


def test_sizes_are_checked_before_anything_is_read(records, tmp_path):
    """Issue 23: a 400 MB sparse .dat took 5.6 GB before "flat line", a 2 GB one failed with
    "Unable to allocate 8.00 GiB". The header's count and the file's size are checked first."""
    from ecgdash.io.wfdb_record import MAX_SAMPLES

    path = _with_header_line(records, tmp_path, lambda f: [*f[:3], str(MAX_SAMPLES)])
    with pytest.raises(DataError, match="more than ecgdash reads at once"):
        read_recording(path)
    path = _with_header_line(records, tmp_path, lambda f: f[:3])         # no count: the file decides
    with open(tmp_path / "119.dat", "r+b") as dat:
        dat.truncate(400_000_000)                                       # sparse: no disk used
    with pytest.raises(DataError, match="400 MB"):
        read_recording(path)
    path = _with_header_line(records, tmp_path, lambda f: f)            # the count, a short file
    (tmp_path / "119.dat").write_bytes((records / "119.dat").read_bytes()[:30_000])
    with pytest.raises(DataError, match="holds 10,000 samples per lead but the header says"):
        read_recording(path)
