"""Recordings in everyday formats: EDF/EDF+ and BDF with annotations, Apple Health exports,
short strips, the 10-second minimum."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ecgdash import DataError, analyze_record, read_recording
from ecgdash.config import AAMI_MAP


@pytest.fixture(scope="module")
def minute(records):
    """One minute of record 119 (MLII, V1) in mV, with its annotations."""
    rec = read_recording(records / "119")
    n = 60 * 360
    keep = rec.ann_sample < n
    return rec.signals[:n], rec.ann_sample[keep], rec.ann_symbol[keep]


def _write_edf(path, signals, fs, labels, unit="uV", scale=1000.0, annotations=None, bdf=False):
    import pyedflib

    kind = pyedflib.FILETYPE_BDFPLUS if bdf else pyedflib.FILETYPE_EDFPLUS
    with pyedflib.EdfWriter(str(path), len(labels), file_type=kind) as w:
        w.set_number_of_annotation_signals(4)        # room for several beats per second
        headers = []
        for i, label in enumerate(labels):
            x = signals[:, i] * scale
            headers.append({"label": label, "dimension": unit, "sample_frequency": fs,
                            "physical_min": float(x.min()) - 1, "physical_max": float(x.max()) + 1,
                            "digital_min": -8388608 if bdf else -32768,
                            "digital_max": 8388607 if bdf else 32767})
        w.setSignalHeaders(headers)
        w.writeSamples([np.ascontiguousarray(signals[:, i] * scale) for i in range(len(labels))])
        for onset, text in annotations or []:
            w.writeAnnotation(onset, -1, text)


def test_edf_plus_with_beat_annotations(minute, tmp_path, tiny_cnn):
    signals, samples, symbols = minute
    path = tmp_path / "holter.edf"
    _write_edf(path, signals, 360, ["ECG MLII", "ECG V1"],
               annotations=list(zip(samples / 360.0, symbols)))
    rec = read_recording(path)
    assert rec.kind == "edf" and rec.fs == 360 and rec.leads == ["ECG MLII", "ECG V1"]
    np.testing.assert_allclose(rec.signals[:, 0], signals[:, 0], atol=0.01)   # µV read back as mV
    np.testing.assert_array_equal(rec.ann_symbol, symbols)
    assert np.abs(rec.ann_sample - samples).max() <= 1
    result = analyze_record(path, models=tiny_cnn)
    expected = Counter(AAMI_MAP[s] for s in symbols[:-1] if s in AAMI_MAP)
    assert result.source == "annotations" and Counter(result.beats.y.tolist()) == expected


def test_bdf_recognised_by_content_and_other_channels_left_out(minute, tmp_path):
    signals, _, _ = minute
    path = tmp_path / "device.bdf"
    both = np.column_stack([signals[:, 0], signals[:, 1] * 0 + np.linspace(0, 1, len(signals))])
    _write_edf(path, both, 360, ["EKG", "Resp"], unit="mV", scale=1.0, bdf=True)
    rec = read_recording([("export.bin", path.read_bytes())])     # the name says nothing
    assert rec.kind == "edf" and rec.leads == ["EKG"] and rec.signals.shape[1] == 1
    assert any("left out Resp" in w for w in rec.warnings)
    np.testing.assert_allclose(rec.signals[:, 0], signals[:, 0], atol=1e-3)


def test_damaged_edf_and_edf_on_the_beats_path(minute, tmp_path):
    from ecgdash import load_beats

    signals, _, _ = minute
    path = tmp_path / "x.edf"
    _write_edf(path, signals, 360, ["ECG1", "ECG2"])
    with pytest.raises(DataError, match="could not be read as an EDF"):
        read_recording([("x.edf", path.read_bytes()[:300])])
    with pytest.raises(DataError, match="EDF recording .*Recordings page"):
        load_beats(path)


def _apple(signal_mv, fs=512, decimal_comma=False):
    lines = ["Name,Jane Doe", 'Date of Birth,"Jan 1, 1980"', "Recorded Date,2026-11-30 09:00:00 +0100",
             "Classification,Sinus Rhythm", "Symptoms,", "Software Version,2.0",
             'Device,"Watch7,3"', f"Sample Rate,{fs} hertz", "", "Lead,Lead I", "Unit,µV", ""]
    for v in signal_mv * 1000:
        text = f"{v:.3f}"
        lines.append(text.replace(".", ",") if decimal_comma else text)
    return "\n".join(lines).encode()


@pytest.mark.parametrize("decimal_comma", [False, True])
def test_apple_health_export(minute, decimal_comma, tiny_cnn):
    from scipy.signal import resample_poly

    x = resample_poly(minute[0][: 30 * 360, 0], 512, 360)        # 30 s at 512 Hz
    rec = read_recording([("ecg_2026-11-30.csv", _apple(x, decimal_comma=decimal_comma))])
    assert rec.kind == "apple" and rec.fs == 512 and rec.leads == ["Lead I"]
    np.testing.assert_allclose(rec.signals[:, 0], x, atol=1e-3)   # µV -> mV
    result = analyze_record(rec, models=tiny_cnn)
    assert 25 <= len(result.beats) <= 50 and any("short recording" in w for w in result.warnings)


def test_the_ten_second_minimum(minute, tmp_path):
    x = minute[0][:, 0]
    ok = tmp_path / "ten.csv"
    np.savetxt(ok, x[: 10 * 360], fmt="%.3f")
    assert read_recording(ok, fs=360).duration == pytest.approx(10.0)
    short = tmp_path / "nine.csv"
    np.savetxt(short, x[: 9 * 360], fmt="%.3f")
    with pytest.raises(DataError, match=r"too short \(9.0 s at 360 Hz\): ecgdash needs at least 10 s"):
        read_recording(short, fs=360)


def test_twelve_lead_csv_uses_lead_ii_by_default(minute, tmp_path, tiny_cnn):
    from scipy.signal import resample_poly

    mlii, v1 = (resample_poly(minute[0][: 10 * 360, i], 25, 18) for i in (0, 1))   # 10 s at 500 Hz
    leads = {"I": 0.6 * mlii, "II": mlii, "III": 0.4 * mlii, "aVR": -0.8 * mlii, "aVL": 0.1 * mlii,
             "aVF": 0.5 * mlii, "V1": v1, "V2": 1.2 * v1, "V3": 0.5 * v1 + 0.5 * mlii,
             "V4": 0.8 * mlii, "V5": 0.9 * mlii, "V6": 0.7 * mlii}
    path = tmp_path / "twelve.csv"
    np.savetxt(path, np.column_stack(list(leads.values())), delimiter=",", fmt="%.4f",
               header=",".join(leads), comments="")
    result = analyze_record(path, fs=500, models=tiny_cnn)
    assert result.recording.leads == list(leads) and result.lead == "II"
    assert not any("not MLII" in w for w in result.warnings)
    assert 8 <= len(result.beats) <= 20
    other = analyze_record(path, fs=500, lead="V1", models=tiny_cnn)
    assert other.lead == "V1" and any("V1 is not MLII" in w for w in other.warnings)


@pytest.mark.parametrize("seconds", [10, 30])
@pytest.mark.parametrize("fmt", ["wfdb", "edf", "bdf", "apple", "csv", "twelve-lead"])
def test_strips_in_every_format_find_the_annotated_beats(fmt, seconds, records, tmp_path):
    """A 10-s and a 30-s strip of record 213 written in each format: the detected beats match
    the annotated ones (sensitivity and positive predictivity at least 0.9 on so few beats)."""
    import wfdb
    from scipy.signal import resample_poly

    from ecgdash.ecg.detect import detection_quality

    rec = read_recording(records / "213")
    start = 60 * 360
    x = rec.signals[start: start + seconds * 360]
    beats = rec.ann_sample[(rec.ann_sample >= start) & (rec.ann_sample < start + seconds * 360)
                           & np.isin(rec.ann_symbol, list(AAMI_MAP))] - start
    fs = 360
    if fmt == "wfdb":
        wfdb.wrsamp("strip", fs=360, units=["mV", "mV"], sig_name=rec.leads, p_signal=x,
                    fmt=["16", "16"], write_dir=str(tmp_path))
        source = [(f"strip{e}", (tmp_path / f"strip{e}").read_bytes()) for e in (".hea", ".dat")]
    elif fmt in ("edf", "bdf"):
        path = tmp_path / f"strip.{fmt}"
        _write_edf(path, x, 360, ["ECG MLII", "ECG V1"], bdf=fmt == "bdf")
        source = path
    elif fmt == "apple":
        fs = 512
        source = [("ecg.csv", _apple(resample_poly(x[:, 0], 512, 360)))]
    elif fmt == "csv":
        path = tmp_path / "strip.csv"
        np.savetxt(path, np.column_stack([np.arange(len(x)) / 360, x[:, 0]]), delimiter=",",
                   fmt="%.5f", header="time,MLII (mV)", comments="")
        source = path
    else:
        fs = 500
        ii = resample_poly(x[:, 0], 25, 18)
        path = tmp_path / "twelve.csv"
        names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
        np.savetxt(path, np.column_stack([ii * g for g in (0.6, 1, 0.4, -0.8, 0.1, 0.5, -0.3, 0.2, 0.5, 0.8, 0.9, 0.7)]),
                   delimiter=",", fmt="%.4f", header=",".join(names), comments="")
        source = path
    result = analyze_record(source, fs=fs if fmt == "twelve-lead" else None, models={})
    assert result.source == "detector" and result.recording.duration == pytest.approx(seconds, abs=0.01)
    found = np.round(result.beats.sample * 360 / fs).astype(int)
    q = detection_quality(beats[:-1], found, 360)      # the last beat has no next one to end it
    assert q["sensitivity"] >= 0.9 and q["ppv"] >= 0.9, q
    assert result.trust.sentence and len(result.trust.facts) >= 5


def test_an_edf_header_claiming_fewer_records_is_warned_about(minute, tmp_path):
    """Issue 23: an EDF whose header claims 10 of its 60 one-second records was read as 10 s
    without a word."""
    signals, _, _ = minute
    path = tmp_path / "holter.edf"
    _write_edf(path, signals[:, :1], 360, ["ECG MLII"])
    data = bytearray(path.read_bytes())
    assert not [w for w in read_recording([("holter.edf", bytes(data))]).warnings if "data records" in w]
    held = int(data[236:244].decode())
    data[236:244] = f"{10:<8}".encode()
    rec = read_recording([("holter.edf", bytes(data))])
    assert len(rec.signals) == 10 * 360
    assert any(f"header says 10 data records (10 s) but the file holds {held} ({held} s)" in w
               for w in rec.warnings), rec.warnings


@pytest.mark.parametrize("layout", ["one column", "semicolons", "tabs with a header"])
def test_decimal_commas_are_read_as_decimals(minute, layout):
    """Issue 23: decimal-comma CSVs were split into two leads, or half their samples became NaN
    and were bridged, with no word about decimal commas."""
    from ecgdash.io.signal_csv import read_signal_csv

    x = np.round(minute[0][:, :2], 3)
    rows = {"one column": [f"{a:.3f}" for a in x[:, 0]],
            "semicolons": [f"{a:.3f};{b:.3f}" for a, b in x],
            "tabs with a header": ["MLII\tV1"] + [f"{a:.3f}\t{b:.3f}" for a, b in x]}[layout]
    text = "\n".join(r.replace(".", ",") for r in rows)
    rec = read_signal_csv(text.encode(), f"{layout}.csv", fs=360)
    leads = 1 if layout == "one column" else 2
    assert rec.signals.shape == (len(x), leads)
    np.testing.assert_allclose(rec.signals, x[:, :leads], atol=1e-9)
    assert any("decimal comma" in w for w in rec.warnings)


def test_whole_number_pairs_stay_two_leads():
    from ecgdash.io.signal_csv import read_signal_csv

    rng = np.random.default_rng(0)
    counts = rng.integers(-400, 400, (3600, 2))
    rec = read_signal_csv("\n".join(f"{a},{b}" for a, b in counts).encode(), "adc.csv", fs=360)
    np.testing.assert_array_equal(rec.signals, counts)
    assert not any("decimal comma" in w for w in rec.warnings)
