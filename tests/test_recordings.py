"""Continuous recordings: uploads (files, zip, CSV), QRS detection, analysis, bad input, CLI, page."""
from __future__ import annotations

import io
import zipfile
from collections import Counter

import numpy as np
import pytest
import wfdb

from ecgdash import DataError
from ecgdash.config import AAMI_MAP
from ecgdash.ecg.detect import detect_beats, detection_quality, fuse_detections, match_beats
from ecgdash.errors import RateNeeded
from ecgdash.io.uploads import read_recording
from ecgdash.pipeline.record import analyze_record
from ecgdash.report.predictions import beat_table

MINUTES = 3


@pytest.fixture(scope="module")
def short_record(records, tmp_path_factory):
    """The first 3 minutes of record 119 (MLII, V1) as a WFDB record with its .atr."""
    folder = tmp_path_factory.mktemp("rec")
    n = int(360 * 60 * MINUTES)
    rec = wfdb.rdrecord(str(records / "119"), sampto=n)
    ann = wfdb.rdann(str(records / "119"), "atr", sampto=n)
    wfdb.wrsamp("s119", fs=360, units=rec.units, sig_name=rec.sig_name, p_signal=rec.p_signal,
                fmt=["212", "212"], adc_gain=rec.adc_gain, baseline=rec.baseline, write_dir=str(folder))
    wfdb.wrann("s119", "atr", ann.sample, symbol=ann.symbol, write_dir=str(folder))
    return folder / "s119", ann


def _files(base, exts=(".hea", ".dat", ".atr")):
    return [(f"{base.name}{e}", base.with_suffix(e).read_bytes()) for e in exts]


def _expected(ann):
    return Counter(AAMI_MAP[s] for s in ann.symbol[:-1] if s in AAMI_MAP)


def test_upload_as_files_with_annotations(short_record, tiny_models):
    base, ann = short_record
    result = analyze_record(_files(base), models=tiny_models)
    assert result.source == "annotations" and result.lead == "MLII"
    assert Counter(result.beats.y.tolist()) == _expected(ann)
    table = beat_table(result)
    assert {"time_s", "reference", "lstm_class", "cnn_confidence"} <= set(table.columns)
    assert int(result.counts["lstm"].sum()) == len(table)
    assert set(result.model_quality) == {"lstm", "cnn"}
    assert not any("MLII" in w for w in result.warnings)
    quality = result.quality_frame()
    assert len(quality) == 2 * 5
    row = quality[(quality["model"] == "cnn") & (quality["class"] == "N")].iloc[0]
    assert row["reference beats"] == _expected(ann)[0]
    assert row["sensitivity"] == result.model_quality["cnn"]["N"]["sensitivity"]


def test_other_leads_are_flagged(short_record, tiny_models):
    from ecgdash.pipeline.record import lead_warning

    base, _ = short_record
    result = analyze_record(_files(base), lead="V1", models=tiny_models)
    assert result.lead == "V1" and any("V1 is not MLII" in w for w in result.warnings)
    assert lead_warning("MLII") is None and lead_warning("lead II") is None
    assert "no standard name" in lead_warning("lead 1") and "no standard name" in lead_warning("ECG1")
    assert "is not MLII" in lead_warning("V1") and "falls" not in lead_warning("V1")
    # the figures come from the cards the models carry, whatever they say
    cards = {n: {"robustness": {"DS2 360 Hz": {"macro_f1": a}, "DS2 lead 1": {"macro_f1": b}}}
             for n, a, b in (("x", 0.51, 0.31), ("y", 0.47, 0.29))}
    assert lead_warning("V1", cards=cards).endswith("macro-F1 falls from 0.47-0.51 to 0.29-0.31).")


def test_upload_as_zip_without_annotations_uses_the_detector(short_record, tiny_models):
    base, ann = short_record
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in _files(base, (".hea", ".dat")):
            z.writestr(f"some/folder/{name}", data)
    result = analyze_record([("record.zip", buf.getvalue())], models=tiny_models)
    assert result.source == "detector" and result.beats.y is None and result.detection is None
    n_ann = sum(_expected(ann).values())
    assert abs(len(result.beats) - n_ann) <= 3
    assert len(result.heart_rate) == len(result.beats)


def test_detector_on_a_clean_record(records):
    rec = read_recording(records / "213")
    found = detect_beats(rec.signals[: 360 * 300], rec.fs)
    ref = rec.ann_sample[np.isin(rec.ann_symbol, list(AAMI_MAP)) & (rec.ann_sample < 360 * 300)]
    q = detection_quality(ref, found, rec.fs)
    assert q["sensitivity"] > 0.99 and q["ppv"] > 0.99


@pytest.mark.parametrize("kind", ["noise", "plateaus", "walk", "ecg"])
def test_local_peaks_are_wfdbs(kind, records):
    """XQRS runs on our running-maximum ``find_local_peaks``: the same peaks as wfdb's own on
    noise, integer plateaus (ties), a random walk and a real lead, at several radii."""
    from wfdb.processing.peaks import find_local_peaks as wfdb_peaks

    from ecgdash.ecg.detect import find_local_peaks

    rng = np.random.default_rng(len(kind))
    for radius in (1, 2, 7, 54):
        x = {"noise": lambda: rng.normal(size=4000),
             "plateaus": lambda: np.round(rng.normal(size=4000) * 2),
             "walk": lambda: np.cumsum(rng.normal(size=4000)),
             "ecg": lambda: wfdb.rdrecord(str(records / "213"), sampto=20_000).p_signal[:, 0]}[kind]()
        expected = wfdb_peaks(x, radius)
        assert len(expected) > 10
        np.testing.assert_array_equal(find_local_peaks(x, radius), expected)


@pytest.mark.parametrize("record", ["208", "232"])
def test_xqrs_backsearch_finds_what_wfdbs_does(record, small_source):
    """Where a lead goes quiet for 90 s, XQRS loses the rhythm and backsearches every peak since
    its last QRS at every gap (about 120,000 checks on 5 minutes; 15.6 million on record 200's
    two leads).
    Our backsearch judges them in one step: the same QRS, backsearched ones included."""
    from wfdb import processing

    from ecgdash.ecg.detect import _fast_xqrs_class

    x = wfdb.rdrecord(str(small_source / record)).p_signal[:, 1].copy()
    x[360 * 60:360 * 150] *= 0.1
    theirs, ours = processing.XQRS(sig=x, fs=360), _fast_xqrs_class()(sig=x, fs=360)
    theirs.detect(verbose=False)
    ours.detect(verbose=False)
    # wfdb itself is untouched: the reference run above used wfdb's own find_local_peaks
    from wfdb.processing import peaks, qrs

    assert qrs.find_local_peaks is peaks.find_local_peaks
    assert len(theirs.backsearch_qrs_inds) > 0                 # the path was taken
    np.testing.assert_array_equal(ours.qrs_inds, theirs.qrs_inds)
    np.testing.assert_array_equal(ours.backsearch_qrs_inds, theirs.backsearch_qrs_inds)


def test_detector_toggle_measures_itself(short_record, tiny_models):
    base, ann = short_record
    result = analyze_record(base, use_annotations=False, models=tiny_models)
    assert result.source == "detector"
    assert result.detection["sensitivity"] > 0.99 and result.detection["ppv"] > 0.99
    assert (result.beats.y >= 0).mean() > 0.99      # detected beats got the reference labels


def test_csv_made_from_samples(short_record, tiny_models, tmp_path):
    base, ann = short_record
    rec = wfdb.rdrecord(str(base))
    t = np.arange(rec.sig_len) / 360
    path = tmp_path / "export.csv"
    np.savetxt(path, np.column_stack([t, rec.p_signal]), delimiter=",", fmt="%.5f",
               header="time,MLII,V5", comments="")
    result = analyze_record(path, models=tiny_models)        # fs from the time column
    assert result.recording.kind == "csv" and result.recording.fs == pytest.approx(360, rel=1e-3)
    assert result.lead == "MLII"
    assert abs(len(result.beats) - sum(_expected(ann).values())) <= 3
    plain = tmp_path / "plain.txt"
    np.savetxt(plain, rec.p_signal[:, :1], fmt="%.4f")        # one column, no header, fs given
    result = analyze_record(plain, fs=360, models=tiny_models)
    assert abs(len(result.beats) - sum(_expected(ann).values())) <= 3


def test_nan_gaps_are_bridged_and_reported(short_record, tiny_models, tmp_path):
    base, _ = short_record
    signals = read_recording(base).signals.copy()
    signals[36_000:36_360] = np.nan                         # one second missing at 100 s
    path = tmp_path / "gapped.csv"
    np.savetxt(path, signals, delimiter=",", fmt="%.4f", header="MLII,V1", comments="")
    result = analyze_record(path, fs=360, use_annotations=False, models=tiny_models)
    assert any("360 samples (1.0 s) are missing" in w for w in result.warnings)
    assert np.isfinite(result.beats.X).all()
    times = result.beats.sample / 360
    assert not np.any((times > 99.5) & (times < 101.0))     # no beat cut across the gap


def test_csv_rate_comes_from_the_file_or_is_said(short_record, tiny_models, tmp_path):
    base, _ = short_record
    x = read_recording(base).signals[:, 0]
    plain = tmp_path / "plain.csv"
    np.savetxt(plain, x, fmt="%.4f", header="MLII", comments="")
    with pytest.raises(RateNeeded) as caught:          # no rate is ever assumed (issue 20)
        read_recording(plain)
    assert caught.value.samples == len(x) and caught.value.name == "plain.csv"
    assert read_recording(plain, fs=360).fs == 360
    timed = tmp_path / "timed.csv"
    t = np.arange(len(x[::2])) / 180
    np.savetxt(timed, np.column_stack([t, x[::2]]), delimiter=",", fmt="%.5f", header="time,MLII",
               comments="")
    rec = read_recording(timed)
    assert rec.fs == pytest.approx(180, rel=1e-3) and not any("assumed" in w for w in rec.warnings)


def test_a_strip_without_a_rate_is_asked_for_before_anything_else(records, tmp_path, capsys):
    """A 10-s one-column strip at 128 Hz was refused as "too short (3.6 s at 360 Hz)" and a
    30-s one analysed at 360 Hz as 146 bpm: the rate is asked for first (issue 20)."""
    from scipy.signal import resample_poly

    from ecgdash.cli import main

    x = resample_poly(read_recording(records / "119").signals[: 30 * 360, 0], 16, 45)   # 128 Hz
    for seconds in (10, 30):
        path = tmp_path / f"strip{seconds}.csv"
        np.savetxt(path, x[: seconds * 128], fmt="%.4f")
        with pytest.raises(RateNeeded):
            read_recording(path)
        assert main(["record", str(path)]) == 2
        err = capsys.readouterr().err
        assert "--fs" in err and "too short" not in err and "360" in err     # 360 among the rates offered
    rec = read_recording(tmp_path / "strip10.csv", fs=128)
    assert rec.duration == pytest.approx(10.0)


def test_a_short_strip_is_analysed(records, tiny_robust, tmp_path):
    """20 s (about 30 beats, fewer than the RR context window) with the robust pair."""
    from ecgdash.ecg.context import WINDOW

    x = read_recording(records / "208").signals[: 20 * 360, 0]
    path = tmp_path / "strip.csv"
    np.savetxt(path, x, fmt="%.3f")
    result = analyze_record(path, fs=360, models=tiny_robust)
    assert result.source == "detector" and 10 < len(result.beats) < 2 * WINDOW + 1
    assert np.isfinite(result.beats.context).all()
    assert set(result.probas) == set(tiny_robust) and result.probas["robust_cnn"].shape == (len(result.beats), 5)


def test_matching_is_one_to_one():
    ref = np.array([100, 400, 700])
    det = np.array([98, 105, 402, 1000])
    ref_of_det, det_of_ref = match_beats(ref, det, fs=360)
    assert ref_of_det.tolist() == [0, -1, 1, -1] and det_of_ref.tolist() == [0, 2, -1]
    q = detection_quality(ref, det, 360)
    assert (q["tp"], q["fn"], q["fp"]) == (2, 1, 2)


@pytest.mark.parametrize("record", ["119", "208", "213", "232"])
def test_beat_matching_agrees_with_wfdbs_compare_annotations(record, small_source):
    """``detection_quality`` (nearest first, one to one) counts what wfdb's own
    ``processing.compare_annotations`` counts: the detector on each excerpt against its .atr."""
    from wfdb import processing

    from ecgdash.ecg.cutting import is_beat_symbol
    from ecgdash.ecg.detect import TOLERANCE_S
    from ecgdash.io.wfdb_record import read_wfdb

    rec = read_wfdb(small_source / record)
    reference = rec.ann_sample[is_beat_symbol(rec.ann_symbol)]
    found = detect_beats(rec.signals, rec.fs)
    ours = detection_quality(reference, found, rec.fs)
    theirs = processing.compare_annotations(reference, found, int(round(TOLERANCE_S * rec.fs)))
    assert ours["outside"] == 0 and ours["tp"] > 0.9 * len(reference)
    assert (ours["tp"], ours["fn"], ours["fp"]) == (theirs.tp, theirs.fn, theirs.fp)


def test_beat_matching_pairs_at_least_as_many_as_wfdb_on_jittered_beats():
    """Where wfdb's matching, which walks the beats in order, and ours, nearest pair first, can
    part (beats closer than the tolerance; measured on the whole of record 108 at 1 beat in 1,763),
    ours pairs as many or more, and both keep the counts whole."""
    from wfdb import processing

    rng = np.random.default_rng(7)
    reference = np.cumsum(rng.integers(40, 400, 600))
    kept = reference[rng.random(600) < 0.9]                                  # some missed
    extra = rng.integers(0, reference[-1], 60)                               # some extra
    found = np.concatenate([kept, extra])
    found = np.unique(found + rng.integers(-50, 51, len(found)))             # all moved a little
    ours = detection_quality(reference, found, 360.0)
    theirs = processing.compare_annotations(reference, found, 54)
    assert ours["tp"] + ours["fn"] == theirs.tp + theirs.fn == len(reference)
    assert ours["tp"] + ours["fp"] == theirs.tp + theirs.fp == len(found)
    assert theirs.tp <= ours["tp"] <= theirs.tp + 0.01 * len(reference)


def test_fusion_needs_votes():
    a, b, c = np.array([100, 500, 900]), np.array([102, 905]), np.array([98, 700, 899])
    assert fuse_detections([a, b, c], 360, votes=2).tolist() == [100, 900]
    assert fuse_detections([a, b, c], 360, votes=3).tolist() == [100, 900]
    assert fuse_detections([a, b, c], 360, votes=1).tolist() == [100, 500, 700, 900]


# ---------------------------------------------------------------------------- bad input

def test_bad_wfdb_uploads(short_record):
    base, _ = short_record
    hea, dat, atr = _files(base)
    with pytest.raises(DataError, match="names the signal file s119.dat, which is missing"):
        read_recording([hea])
    with pytest.raises(DataError, match="no .hea header"):
        read_recording([dat, atr])
    with pytest.raises(DataError, match="truncated|could not be read|fewer samples"):
        read_recording([hea, (dat[0], dat[1][:5000])])
    renamed = (hea[0], hea[1].replace(b"s119.dat", b"other.dat"))
    with pytest.raises(DataError, match="other.dat, which is missing"):
        read_recording([renamed, dat])
    with pytest.raises(DataError, match="Nothing usable"):
        read_recording([("photo.png", b"\x89PNG...."), ("notes.doc", b"hello")])
    with pytest.raises(DataError, match="not allowed"):
        read_recording([("..hea", hea[1]), ("..dat", dat[1])])
    with pytest.raises(DataError, match="not a valid zip"):
        read_recording([("r.zip", b"PK\x03\x04 broken")])


@pytest.mark.parametrize("text, fs, message", [
    ("a,b\nx,y\nz,w\n", 360, "no numeric column"),
    ("1.0\n2.0\n3.0\n", 0, "positive number"),
    ("1.0\n2.0\n3.0\n", -5, "positive number"),
    ("1.0\n2.0\n3.0\n", 1e7, "not plausible"),
    ("0.1\n0.2\n0.3\n", 360, "too short"),
])
def test_bad_signal_files(text, fs, message):
    with pytest.raises(DataError, match=message):
        read_recording([("signal.csv", text.encode())], fs=fs)


def test_flat_line_and_shorter_than_two_beats(short_record, tmp_path):
    flat = "\n".join(["0.5"] * 5000)
    with pytest.raises(DataError, match="flat line"):
        read_recording([("flat.csv", flat.encode())], fs=250)
    rec = wfdb.rdrecord(str(short_record[0]), sampto=540)      # 1.5 s: at most two beats
    path = tmp_path / "short.csv"
    np.savetxt(path, rec.p_signal[:, 0])
    with pytest.raises(DataError, match="too short"):
        analyze_record(path, fs=360, models={})


def test_cli_record(short_record, tiny_store, tmp_path, capsys, monkeypatch):
    from ecgdash.cli import main

    base, ann = short_record
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    out = tmp_path / "beats.csv"
    assert main(["record", str(base), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "beats per class" in text and "lstm" in text and out.is_file()
    assert len(out.read_text().splitlines()) == sum(_expected(ann).values()) + 1
    assert "positive predictivity" in text                 # per-class quality vs the .atr
    assert main(["record", str(base), "--lead", "V1", "--out", str(out)]) == 0
    assert "warning: Lead V1 is not MLII" in capsys.readouterr().out
    assert main(["record", str(tmp_path / "nothing")]) == 2
    assert "not found" in capsys.readouterr().err
    # without --out nothing is written into the current folder (issue 20)
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")
    assert main(["record", str(base)]) == 0
    assert "--out" in capsys.readouterr().out and not list((tmp_path / "empty").iterdir())


def test_the_wrong_kind_of_file_says_where_it_belongs():
    """A file of beats on the recordings path, a recording on the beats path."""
    from conftest import ROOT
    from ecgdash import load_beats

    beats_file = ROOT / "data" / "examples" / "mitbih_test_500.csv"
    strip = ROOT / "data" / "examples" / "strip_119_30s.csv"
    with pytest.raises(DataError, match="is a file of beats .* open it on the Predict page"):
        read_recording(beats_file)
    rows = beats_file.read_text().splitlines()
    few = "\n".join(rows[:3]).encode()                       # 1.4 s if read as samples
    with pytest.raises(DataError, match="file of beats"):
        read_recording([("some_beats.csv", few)])
    with pytest.raises(DataError, match="1 column per row. This looks like a recording .* Recordings page"):
        load_beats(strip)
    three = "\n".join(f"{i / 360:.4f},{i % 7},{i % 5}" for i in range(1000)).encode()
    with pytest.raises(DataError, match="3 columns per row. This looks like a recording"):
        load_beats(io.BytesIO(three))


def test_detector_is_not_charged_where_nothing_is_annotated(short_record, tiny_models, tmp_path):
    """Annotations that start a minute in (as in AHA records) leave the first minute unscored."""
    from ecgdash.ecg.detect import detection_quality

    base, ann = short_record
    rec = read_recording(base)
    later = rec.ann_sample >= 60 * 360
    path = tmp_path / "late"
    wfdb.wrsamp("late", fs=360, units=["mV", "mV"], sig_name=rec.leads, p_signal=rec.signals,
                fmt=["16", "16"], write_dir=str(tmp_path))
    wfdb.wrann("late", "atr", rec.ann_sample[later], symbol=list(rec.ann_symbol[later]),
               write_dir=str(tmp_path))
    result = analyze_record(path, use_annotations=False, models=tiny_models)
    d = result.detection
    assert d["outside"] > 50 and d["ppv"] > 0.99 and d["span_s"][0] > 59
    assert any("not scored against the reference" in w for w in result.warnings)
    full = detection_quality(rec.ann_sample[np.isin(rec.ann_symbol, list(AAMI_MAP))],
                             result.beats.sample, 360)
    assert full["outside"] == 0 and full["ppv"] > 0.99           # fully annotated: all scored


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_malformed_records_and_zips(short_record, tmp_path, monkeypatch):
    """Each broken upload is a DataError that names the problem; nothing is written outside."""

    base, _ = short_record
    hea, dat, atr = _files(base)
    with pytest.raises(DataError, match="annotations only"):
        read_recording([atr])
    bad_format = (hea[0], hea[1].replace(b" 212 ", b" 999 "))
    with pytest.raises(DataError, match="header could not be read|could not be read"):
        read_recording([bad_format, dat])
    first, *rest = hea[1].decode().splitlines()
    longer = " ".join(first.split()[:3] + [str(10 ** 9)])         # says a billion samples
    with pytest.raises(DataError, match="more than ecgdash reads at once"):
        read_recording([(hea[0], "\n".join([longer, *rest]).encode()), dat])
    longer = " ".join(first.split()[:3] + [str(10 ** 6)])         # says more than the .dat holds
    with pytest.raises(DataError, match="truncated"):
        read_recording([(hea[0], "\n".join([longer, *rest]).encode()), dat])
    with pytest.raises(DataError, match="is empty"):
        read_recording([("empty.zip", _zip({}))])
    # paths in a zip never decide where files go: only base names are used
    outside = tmp_path / "escaped"
    outside.mkdir()
    sneaky = _zip({"../../escaped/s119.hea": hea[1], str(outside / "s119.dat"): dat[1],
                   "s119.atr": atr[1]})
    rec = read_recording([("sneaky.zip", sneaky)])
    assert rec.name == "s119" and len(rec.signals) == 360 * 60 * MINUTES
    assert list(outside.iterdir()) == []
    # two folders' records of one name are never merged into one [0.3: one record's signal with
    # the other's annotations]
    twice = _zip({"a/s119.hea": hea[1], "a/s119.dat": dat[1], "b/s119.hea": hea[1],
                  "b/s119.dat": dat[1], "b/s119.atr": atr[1]})
    with pytest.raises(DataError, match="two files named s119.hea .a/s119.hea and b/s119.hea."):
        read_recording([("two.zip", twice)])
    # a zip that expands beyond the limit stops before unpacking it all
    from ecgdash.io import beats_csv

    monkeypatch.setattr(beats_csv, "MAX_UNPACKED", 1 << 20)
    bomb = _zip({"a.dat": bytes(3 << 20)})
    assert len(bomb) < 10_000
    with pytest.raises(DataError, match="expands to more than 1 MB"):
        read_recording([("bomb.zip", bomb)])


@pytest.mark.parametrize("nested", [False, True])
def test_a_gzip_bomb_is_refused_before_it_is_inflated(monkeypatch, nested):
    """Issue 23: a 1 MB gzip of `yes 0.5` inflating to 1 GiB took the server to 10 GB [0.3: gzip
    had no cap]. Here the cap is 1 MiB and the bomb 8 MiB, alone and inside a zip; the beat
    loader (Predict) and the recording reader (Recordings, CLI) both refuse it."""
    import gzip

    from ecgdash import load_beats
    from ecgdash.io import beats_csv

    monkeypatch.setattr(beats_csv, "MAX_UNPACKED", 1 << 20)
    bomb = gzip.compress(b"0.5\n" * (2 << 20), compresslevel=9)
    assert len(bomb) < 100_000
    upload = ("bomb.zip", _zip({"strip.csv.gz": bomb})) if nested else ("strip.csv.gz", bomb)
    with pytest.raises(DataError, match="expands to more than 1 MB"):
        read_recording([upload], fs=360)
    if not nested:
        with pytest.raises(DataError, match="expands to more than 1 MB"):
            load_beats(io.BytesIO(bomb))
    small = gzip.compress(b"0.5\n" * 1000)
    assert beats_csv.decompress(small, "small.csv.gz") == b"0.5\n" * 1000   # under the cap: read


def test_hostile_signals(short_record, tiny_models, tmp_path):
    """Binary junk, text, huge values, long NaN runs and pure noise: a message or a result."""
    base, _ = short_record
    x = read_recording(base).signals[: 60 * 360, 0]
    with pytest.raises(DataError, match="binary file, not a CSV/TXT file of signal columns"):
        read_recording([("junk.csv", bytes(range(256)) * 50)])
    with pytest.raises(DataError, match="no numeric column"):
        read_recording([("notes.txt", b"hello\nthis is not an ECG\n")])
    huge = tmp_path / "huge.csv"
    np.savetxt(huge, x * 1e9 + 0.5, fmt="%.6g")
    plain = tmp_path / "plain.csv"
    np.savetxt(plain, x, fmt="%.4f")
    big, ok = (analyze_record(p, fs=360, models=tiny_models) for p in (huge, plain))
    assert big.recording.unit == "file units" and abs(len(big.beats) - len(ok.beats)) <= 1
    gappy = x.copy()
    gappy[20 * 360: 40 * 360] = np.nan                              # a third of it missing
    path = tmp_path / "gappy.csv"
    np.savetxt(path, gappy, fmt="%.4f")
    result = analyze_record(path, fs=360, models=tiny_models)
    assert any("(20.0 s) are missing" in w for w in result.warnings)
    times = result.beats.sample / 360
    assert not np.any((times > 20.5) & (times < 39.5))
    noise = tmp_path / "noise.csv"
    np.savetxt(noise, np.random.default_rng(0).normal(size=20 * 360), fmt="%.4f")
    try:
        result = analyze_record(noise, fs=360, models=tiny_models)
    except DataError as exc:
        assert "beats" in str(exc)
    else:
        assert result.trust.level in ("unreadable", "hints", "reduced")


def test_the_unannotated_part_of_a_record_is_analysed_but_not_scored(short_record, tiny_models, tmp_path):
    """AHA records leave minutes unannotated: with the annotations used, the beats the detector
    finds there are classified too (reference -1), and only the annotated span is scored."""
    base, ann = short_record
    rec = read_recording(base)
    later = rec.ann_sample >= 60 * 360
    wfdb.wrsamp("late", fs=360, units=["mV", "mV"], sig_name=rec.leads, p_signal=rec.signals,
                fmt=["16", "16"], write_dir=str(tmp_path))
    wfdb.wrann("late", "atr", rec.ann_sample[later], symbol=list(rec.ann_symbol[later]),
               write_dir=str(tmp_path))
    result = analyze_record(tmp_path / "late", models=tiny_models, check_quality=False)
    times = result.beats.sample / 360
    first = times < 59
    assert result.source == "annotations" and first.sum() > 50          # the first minute has beats
    assert (result.reference[first] == -1).all() and (result.reference[times > 61] >= 0).all()
    assert any("not scored" in w for w in result.warnings)
    scored = sum(q["support"] for c, q in result.model_quality["lstm"].items() if c in "NSVFQ")
    assert scored == (result.reference >= 0).sum() < len(result.beats)
    assert result.counts["lstm"].sum() == len(result.beats)              # every beat has a class


def test_more_samples_than_can_be_read_are_refused_before_parsing(monkeypatch):
    """Issue 23: a 3 MB zip of a 500 MB one-column CSV did not finish in 600 s (6.6 GB here before
    the cap). A CSV, alone or zipped, with more lines than ``MAX_SAMPLES`` is refused before it
    is parsed, and a zipped .dat too large for any readable record before it is unpacked (here
    the cap is 1,000 samples)."""
    from ecgdash.io import signal_csv, uploads

    monkeypatch.setattr(signal_csv, "MAX_SAMPLES", 1000)
    monkeypatch.setattr(uploads, "MAX_SAMPLES", 1000)
    column = "\n".join(["0.5"] * 5000).encode()
    with pytest.raises(DataError, match="holds 4,999 lines: more than ecgdash reads at once"):
        read_recording([("long.csv", column)], fs=360)
    with pytest.raises(DataError, match="more than 1,000 lines"):
        read_recording([("long.zip", _zip({"long.csv": column}))], fs=360)
    with pytest.raises(DataError, match="s1.dat is 0 MB, more samples than ecgdash reads at once"):
        read_recording([("big.zip", _zip({"s1.hea": b"s1 1 360\ns1.dat 16 200 11 0 0 0 0 MLII\n",
                                          "s1.dat": bytes(4000)}))])
    from ecgdash.io.signal_csv import read_signal_csv

    wave = "\n".join(f"{np.sin(i / 10):.3f}" for i in range(1000)).encode()
    assert read_signal_csv(wave, "short.csv", fs=60).signals.shape == (1000, 1)   # under the cap: read


def test_cli_record_writes_a_printable_report(short_record, tiny_store, tmp_path, capsys, monkeypatch):
    """``record --report FILE.pdf`` writes the one-page report; a place it cannot write gets a
    one-line error before any work (exit status 2), no traceback and no half-written file."""
    from ecgdash.cli import main

    base, _ = short_record
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    pdf = tmp_path / "out" / "report.pdf"
    assert main(["record", str(base), "--report", str(pdf), "--report-at", "5"]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-") and f"report: {pdf}" in capsys.readouterr().out
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(["record", str(base), "--report", str(blocker / "report.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Cannot write {blocker / 'report.pdf'}") and "Traceback" not in err
    assert list(tmp_path.glob("**/*.pdf")) == [pdf]
