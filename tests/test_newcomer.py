"""Issue 33: what a newcomer tripped on. Each test fails without its fix."""
from __future__ import annotations

import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ecgdash.io.uploads import read_recording

EXAMPLE = ROOT / "data" / "examples"
SVDB = ROOT.parent / "shared" / "data" / "svdb-dev"


@pytest.fixture(scope="module")
def shipped():
    from ecgdash.models.store import load_model

    return {n: load_model(n) for n in ("robust_lstm", "robust_cnn")}


def _csv(signal, decimals=3) -> bytes:
    buf = io.StringIO()
    np.savetxt(buf, signal, fmt=f"%.{decimals}f")
    return buf.getvalue().encode()


def test_a_training_recording_is_recognised_however_it_arrives(shipped, tmp_path):
    """The shipped 30-s strip of record 119 (DS1: both robust models trained on it) said "a short
    strip" and "23 % seen"; an excerpt cut, resampled and written as CSV said 0 %. Its rhythm
    now names the recording; DS2's records match none."""
    from scipy.signal import resample_poly

    from ecgdash.pipeline.record import analyze_record

    strip = analyze_record(EXAMPLE / "strip_119_30s.csv", fs=360, models=shipped)
    assert strip.trust.level == "seen" and "MIT-BIH 119" in strip.trust.sentence
    assert all(m.record == "MIT-BIH 119" and m.share > 0.6 for m in strip.rhythm.values())
    # an excerpt of DS1's 119 from another start, at 250 Hz, three decimals, the detector's beats
    x = read_recording(EXAMPLE / "mitdb_excerpts" / "119").signals[360 * 60:360 * 240, 0]
    path = tmp_path / "export.csv"
    path.write_bytes(_csv(resample_poly(x, 25, 36)))
    moved = analyze_record(path, fs=250, models=shipped)
    assert all(m.record == "MIT-BIH 119" and m.share > 0.5 for m in moved.rhythm.values()), moved.rhythm
    assert "MIT-BIH 119" in moved.trust.facts.set_index("what").loc["a training recording?", "value"]
    # DS2's people: none of the training recordings
    for name in ("213", "232"):
        new = analyze_record(EXAMPLE / "mitdb_excerpts" / name, models=shipped)
        assert all(m.share < 0.1 for m in new.rhythm.values()), (name, new.rhythm)
        assert new.trust.facts.set_index("what").loc["a training recording?", "value"] in ("none found", "cannot tell")


@pytest.mark.skipif(not (SVDB / "841.hea").is_file(), reason="needs the svdb development records")
def test_a_svdb_training_record_cut_at_another_start_is_recognised(shipped):
    from ecgdash.io.recording import Recording
    from ecgdash.pipeline.record import analyze_record

    rec = read_recording(SVDB / "841")
    cut = Recording(name="part", fs=rec.fs, signals=rec.signals[128 * 333:128 * 933], leads=rec.leads, kind="csv")
    result = analyze_record(cut, models=shipped)
    assert all(m.record == "svdb 841" and m.share > 0.5 for m in result.rhythm.values()), result.rhythm


def test_the_rhythm_prints_are_small_and_name_the_training_recordings():
    from ecgdash.models.store import load_card, train_rhythm

    for name in ("lstm", "robust_cnn"):
        prints = train_rhythm(name)
        card = load_card(name)
        records = card["data"].get("train_records") or card["data"]["records"]
        assert len(prints.names) == len(records) and all(r in " ".join(prints.names) for r in records)
        path = ROOT / "trained_models" / card["train_rows"]["rhythm"]
        assert path.stat().st_size < 2_000_000


def test_noise_is_named_beside_a_seen_headline_and_wander_is_not_drawn():
    from ecgdash.ecg.baseline import without_wander
    from ecgdash.evaluation.trust import assess_trust

    n = 200
    levels = np.array(["noisy"] * 70 + ["good"] * 130, dtype=object)
    probas = {"robust_lstm": np.tile([0.9, 0.02, 0.05, 0.02, 0.01], (n, 1))}
    trust = assess_trust(lead="MLII", fs=360.0, duration_s=180.0, levels=levels, probas=probas, upright=1.0,
                         seen={"robust_lstm": 0.56})
    assert trust.level == "seen" and "Mind the noise too: 35% of the beats" in trust.sentence
    x = read_recording(EXAMPLE / "mitdb_excerpts" / "119").signals[:, 0]
    drifting = x - 6.0 + 2.0 * np.sin(np.arange(len(x)) / 360 * 2 * np.pi * 0.15)
    shown = without_wander(drifting, 360.0)
    assert abs(float(np.median(shown))) < 0.1 and abs(float(np.median(drifting))) > 5   # centred
    assert np.corrcoef(shown, without_wander(x, 360.0))[0, 1] > 0.97                    # the ECG, not the drift


def test_a_wider_qrs_keeps_the_next_beat_where_it_was():
    from ecgdash.ecg.whatif import what_if_row

    rng = np.random.default_rng(0)
    x = np.zeros(187, np.float32)
    x[:150] = 0.2 + 0.01 * rng.standard_normal(150)
    x[1], x[30], x[120] = 1.0, 0.5, 1.0                      # R, T wave, the next R at 1.0 s (RR after)
    wide = what_if_row(x, qrs=2.0, next_s=120 / 120.0)
    assert int(np.argmax(wide[100:140])) + 100 == 120


def _app(monkeypatch, tmp_path):
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    return at


def test_two_recordings_in_one_upload_can_each_be_shown(monkeypatch, tmp_path):
    files = [(f"{r}{e}", (EXAMPLE / "mitdb_excerpts" / f"{r}{e}").read_bytes(), "application/octet-stream")
             for r in ("213", "119") for e in (".hea", ".dat", ".atr")]
    at = _app(monkeypatch, tmp_path)
    at.switch_page("pages/recording.py").run()
    at.file_uploader(key="record_upload").set_value(files).run()
    box = next(s for s in at.selectbox if s.label.startswith("The upload holds several recordings"))
    assert box.options == ["119", "213"] and not at.exception
    first = at.dataframe[-1].value["sample"].tolist()
    box.set_value("213").run()
    assert not at.exception and at.dataframe[-1].value["sample"].tolist() != first


def test_a_csv_without_a_rate_has_one_rate_control_and_no_warning_once_chosen(monkeypatch, tmp_path):
    x = read_recording(EXAMPLE / "mitdb_excerpts" / "119").signals[: 360 * 60, 0]
    at = _app(monkeypatch, tmp_path)
    at.switch_page("pages/recording.py").run()
    at.file_uploader(key="record_upload").set_value(("strip.csv", _csv(x), "text/csv")).run()
    assert [n.key for n in at.number_input] == [] and any("does not say its sampling rate" in w.value for w in at.warning)
    next(s for s in at.selectbox if s.label == "Sampling rate").set_value(360).run()
    assert not any("does not say its sampling rate" in w.value for w in at.warning)
    assert [n.key for n in at.number_input] == [] and len(at.dataframe[-1].value) > 50
    # and a WFDB upload has no rate box at all
    files = [(f"119{e}", (EXAMPLE / "mitdb_excerpts" / f"119{e}").read_bytes(), "application/octet-stream")
             for e in (".hea", ".dat", ".atr")]
    at.file_uploader(key="record_upload").set_value(files).run()
    assert "csv_fs" not in [n.key for n in at.number_input]


def test_pages_say_what_is_true(monkeypatch, tmp_path):
    """The teacher's note is closed; the Overview names every page and no server folder; Compare
    draws its tables; a headerless CSV's columns are columns, not lead I."""
    at = _app(monkeypatch, tmp_path)
    at.switch_page("pages/lessons.py").run()
    note = next(e for e in at.expander if e.label.startswith("Teacher's note"))
    assert note.proto.expanded is False
    at.switch_page("pages/overview.py").run()
    text = " ".join(m.value for m in at.markdown)
    assert str(ROOT) not in text
    links = at.get("page_link")
    assert len(links) == 8
    at.switch_page("pages/compare.py").run()
    at.radio[0].set_value("inter-patient DS2 (new patients)").run()
    keys = {c.key for c in at.get("plotly_chart")}
    assert {"robustness_bars", "databases_bars", "results_bars"} <= keys and not at.exception
    from ecgdash.io.signal_csv import read_signal_csv

    x = read_recording(EXAMPLE / "mitdb_excerpts" / "119").signals[: 360 * 20]
    assert read_signal_csv(_csv(x), "two.csv", fs=360).leads == ["column 1", "column 2"]


def test_reports_leave_absent_classes_out_and_name_their_averages():
    from ecgdash.evaluation.metrics import evaluate, format_report
    from ecgdash.report.tables import CONDITION_WORDS, MACRO, report_frame, robustness_table

    y = np.array([0] * 50 + [2] * 10)
    proba = np.eye(5)[np.r_[np.zeros(49, int), [2], np.full(10, 2)]]
    ev = evaluate(y, proba)
    frame = report_frame(ev)
    assert np.isnan(frame.loc["S", "f1"]) and np.isnan(frame.loc["S", "recall"]) and frame.loc["S", "support"] == 0
    assert "n/a" in [line.split()[2] for line in format_report(ev).splitlines() if line.strip().startswith("S ")]
    card = {"robustness": {"DS2 lead 1": {"accuracy": 0.9, "macro_f1": 0.5, "macro_f1_loss": 0.1,
                                          "S_f1": 0.2, "V_f1": 0.7}}}
    table = robustness_table({"robust_cnn": card})
    assert table["condition"].tolist() == [CONDITION_WORDS["DS2 lead 1"]] and MACRO in table.columns
