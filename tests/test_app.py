"""The dashboard through Streamlit's AppTest: every page, uploads good and bad, broken stores."""
from __future__ import annotations

import ast
import gzip
import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ecgdash.evaluation.robustness import CONDITIONS_WORDS

PAGES = ["pages/overview.py", "pages/predict.py", "pages/explorer.py", "pages/recording.py", "pages/compare.py",
         "pages/train.py", "pages/learn.py", "pages/quiz.py",
         "pages/lessons.py"]


def _views(at) -> bool:
    """The recording's three views are drawn: rhythm strip, heart rate, counts (beside the
    template review's charts)."""
    return {"strip", "hr", "counts"} <= {chart.key for chart in at.get("plotly_chart")}


def _lead(at):
    """The Recordings page's lead box."""
    return next(box for box in at.selectbox if box.label == "Lead")


def _app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_navigation_comes_before_anything_slow():
    """app.py calls ``st.navigation`` before importing anything but os and streamlit, so the
    sidebar's titles never wait for pandas, plotly, TensorFlow or the library."""
    body = ast.parse((ROOT / "app.py").read_text()).body
    first_nav = next(i for i, node in enumerate(body) if "st.navigation(" in ast.unparse(node))
    imported = {node.module if isinstance(node, ast.ImportFrom) else alias.name
                for node in body[:first_nav] if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported <= {"os", "streamlit"}, imported
    later = {alias.name for node in body[first_nav:] if isinstance(node, ast.Import) for alias in node.names}
    assert "pandas" in later  # the check reads app.py's real structure


def _train_on_the_train_page(monkeypatch, tiny_store, small_data, tmp_path):
    """The app with a writable copy of the tiny store and the small data, after one LSTM epoch
    on 300 beats trained on the Train page; returns (app, the shipped folder)."""
    shipped = _copy_store(tiny_store, tmp_path / "shipped")
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(shipped))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(small_data))
    monkeypatch.setenv("ECGDASH_USER_MODELS_DIR", str(tmp_path / "mine"))
    at = _app()
    at.switch_page("pages/train.py").run()
    at.selectbox(key="train_kind").set_value("lstm")
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_subset").set_value(300)
    at.selectbox(key="train_batch").set_value(512)
    at.button[0].click().run(timeout=120)
    return at, shipped


def _copy_store(source, target):
    """A writable copy of the tiny model store."""
    target.mkdir()
    for name in ("lstm", "cnn"):
        for ext in (".keras", ".json"):
            (target / f"{name}{ext}").write_bytes((source / f"{name}{ext}").read_bytes())
    return target


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + \
            [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def test_every_page_runs_without_data(app_env):
    at = _app()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
    at.switch_page("pages/compare.py").run()
    words = [e for e in at.expander if e.label == "Words used here"]
    assert len(words) == 1 and "**macro-F1**" in words[0].markdown[0].value and "**DS1 / DS2**" in words[0].markdown[0].value
    at.switch_page("pages/train.py").run()
    infos = [i.value for i in at.info]
    assert len(infos) == 1 and "Training needs the built data" in infos[0]   # one box, not three


#: What each page must show with the shipped models and no data built (a title and no
#: exception is not enough: a page that stops early passes that).
MUST_SHOW = {
    "pages/overview.py": lambda at: [m.label for m in at.metric].count("parameters") >= 4,
    "pages/predict.py": lambda at: at.file_uploader(key="beats_upload") is not None,
    "pages/explorer.py": lambda at: any("Predict page" in i.value for i in at.info),
    "pages/recording.py": lambda at: any("WFDB record" in c.value for c in at.caption),
    "pages/compare.py": lambda at: {"ROC curves, one class at a time (one-vs-rest)", "Confusion matrices"}
    <= {h.value for h in at.subheader} and any(CONDITIONS_WORDS in c.value for c in at.caption),
    "pages/train.py": lambda at: any("Training needs the built data" in i.value for i in at.info),
    "pages/learn.py": lambda at: any(h.value.startswith("3. How fast they learn") for h in at.header)
    and len(at.get("plotly_chart")) >= 4,
    "pages/quiz.py": lambda at: at.selectbox(key="quiz_kind") is not None,
    "pages/lessons.py": lambda at: len(at.subheader) >= 1 and any("ready lessons" in c.value for c in at.caption),
}


def test_every_page_shows_its_core_with_the_shipped_models(monkeypatch, tmp_path):
    """The shipped cards (robust pair, robustness and database tables, click curves) drive
    every page: each shows what it exists for."""
    assert set(MUST_SHOW) == set(PAGES)
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(ROOT / "trained_models"))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    at = _app()
    missing = []
    for page, shows in MUST_SHOW.items():
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        if not shows(at):
            missing.append(page)
    assert not missing, missing


def test_overview_shows_both_cards(app_env):
    at = _app()
    labels = [m.label for m in at.metric]
    robust = [m.label for m in at.expander[0].metric]          # the robust pair, folded away
    assert robust.count("parameters") == 2 and robust.count("macro-F1") == 2
    assert labels.count("parameters") == 4 and labels.count("macro-F1") == 4
    assert any("No data built" in i.value for i in at.info)


def _upload(at, name, data, mime="text/csv"):
    at.switch_page("pages/predict.py").run()
    at.file_uploader(key="beats_upload").set_value((name, data, mime)).run()
    return at


@pytest.fixture(scope="module")
def small_csv(small_data) -> bytes:
    from ecgdash import load_beats

    beats = load_beats(small_data / "mitbih_test.csv")
    buf = io.BytesIO()
    np.savetxt(buf, np.column_stack([beats.X[:150], beats.y[:150]]).astype(np.float64),
               fmt="%.18e", delimiter=",")
    return buf.getvalue()


def test_predict_upload_shows_table_and_metrics(app_env, small_csv):
    at = _upload(_app(), "beats.csv", small_csv)
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert len(table) == 150
    assert {"lstm_class", "cnn_class", "agree", "true"} <= set(table.columns)
    labels = [m.label for m in at.metric]
    assert labels.count("accuracy") == 2 and labels.count("macro-F1") == 2
    assert len(at.get("plotly_chart")) == 2          # a confusion matrix per model
    # a filter changes what the table shows
    at.checkbox(key="filter_disagree").check().run()
    shown = at.dataframe[0].value
    assert len(shown) == int((~table["agree"]).sum())


def test_predict_upload_without_labels(app_env, small_csv):
    text = "\n".join(line.rsplit(",", 1)[0] for line in small_csv.decode().splitlines())
    at = _upload(_app(), "nolabels.csv.gz", gzip.compress(text.encode()), "application/gzip")
    assert not at.exception and not at.error
    assert "true" not in at.dataframe[0].value.columns
    assert "accuracy" not in [m.label for m in at.metric]


def test_ptb_files_are_not_scored_as_aami_classes(app_env, small_csv):
    """ptbdb_*.csv labels say whether the person is ill (0/1), not a beat class."""
    from ecgdash.report.labels import PTB_SENTENCE

    rows = [line.rsplit(",", 1)[0] + ",1.0" for line in small_csv.decode().splitlines()]
    at = _upload(_app(), "ptbdb_abnormal.csv", "\n".join(rows).encode())
    assert not at.exception and not at.error
    meaning = next(r for r in at.radio if r.label.startswith("What do the labels"))
    assert meaning.value == "ptb"
    assert "accuracy" not in [m.label for m in at.metric]
    confirm = next(b for b in at.button if str(b.key).startswith("labels_confirm"))
    confirm.click().run()                                 # labels of only 0 and 1: asked first
    assert any(PTB_SENTENCE in i.value for i in at.info)
    share = at.dataframe[-1].value
    assert share["labels"].tolist() == ["1: patient"] and share["beats"].tolist() == [150]
    assert "true" not in at.dataframe[0].value.columns
    next(r for r in at.radio if r.label.startswith("What do the labels")).set_value("aami").run()
    assert "accuracy" not in [m.label for m in at.metric]           # a new answer, confirmed again
    next(b for b in at.button if str(b.key).startswith("labels_confirm")).click().run()
    assert [m.label for m in at.metric].count("accuracy") == 2      # the user's choice counts


BAD_UPLOADS = [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\n\n", "blank"),
    ("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
    ("binary.csv", bytes(range(256)) * 8, "binary"),
    ("short.csv", b"0.1,0.2,0.3\n0.4,0.5,0.6\n", "3 columns"),
    ("semicolon.csv", ";".join(["0.5"] * 188).encode() + b"\n", "semicolons"),
    ("broken.csv.gz", gzip.compress(b"0.5," * 500, mtime=0)[:-12], "broken gzip"),
]


def test_bad_uploads_show_an_error(app_env):
    at = _app()
    for name, data, message in BAD_UPLOADS:          # one after another on the same page
        at = _upload(at, name, data)
        assert not at.exception, name
        assert len(at.error) == 1 and message in at.error[0].value and name in at.error[0].value, name


def test_bad_cells_name_line_and_column(app_env, small_csv):
    lines = small_csv.decode().splitlines()
    cells = lines[3].split(",")
    cells[7] = "oops"
    lines[3] = ",".join(cells)
    at = _upload(_app(), "cells.csv", "\n".join(lines).encode())
    assert "line 4, column 8" in at.error[0].value
    # the page keeps working: a good upload afterwards is scored
    at.file_uploader(key="beats_upload").set_value(("good.csv", small_csv, "text/csv")).run()
    assert not at.error and len(at.dataframe[0].value) == 150


def test_missing_models_are_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tmp_path / "no_models"))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    at = _app()
    assert "python -m ecgdash train" in _texts(at)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)


def test_corrupt_card_is_explained(monkeypatch, tiny_store, tmp_path, small_csv):
    store = _copy_store(tiny_store, tmp_path / "store")
    (store / "cnn.json").write_text("{not json")
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(store))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    at = _app()
    assert "damaged" in _texts(at)
    at = _upload(at, "beats.csv", small_csv)
    assert not at.exception and "damaged" in at.error[0].value


def test_pages_with_built_data(monkeypatch, tiny_store, small_data):
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(small_data))
    at = _app()
    assert any("Data built" in s.value for s in at.success)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception and len(at.get("plotly_chart")) >= 4
    charts = len(at.get("plotly_chart"))
    at.toggle(key="explain_on").set_value(True).run()
    assert not at.exception and len(at.get("plotly_chart")) == charts + 1
    at.radio(key="explain_method").set_value("gradcam").run()
    at.selectbox(key="explain_target").set_value("V").run()
    assert not at.exception and len(at.get("plotly_chart")) == charts + 1
    at.switch_page("pages/predict.py").run()
    at.radio[0].set_value("Built intra-patient test split").run()
    assert not at.exception and len(at.dataframe[0].value) > 100


def test_scores_say_when_the_model_trained_on_those_beats(monkeypatch, tiny_store, small_data, small_csv):
    """DS2 on Predict offers only the DS1-trained pairs (the Kaggle pair trained on 80 % of it);
    a score on beats a model trained on carries the note beside it, decided row by row."""
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(small_data))
    at = _app()
    at.switch_page("pages/predict.py").run()
    at.radio[0].set_value("Built DS2 (inter-patient) test split").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.radio(key="ds2_pair").options == [registry_title("robust"), registry_title("inter")]
    table = at.dataframe[0].value
    assert "robust_cnn_class" in table.columns and "cnn_class" not in table.columns
    assert not [w.value for w in at.warning if "flatters" in w.value]
    assert sum("No row here is one it trained on" in c.value for c in at.caption) == 2
    # the Explorer scores the same beats with the same pair
    at.switch_page("pages/explorer.py").run()
    assert not at.exception and "Robust" in at.markdown[1].value + at.markdown[2].value
    # a DS1 record on the Recordings page: the robust pair trained on the beats it was given
    at.switch_page("pages/recording.py").run()
    at.radio(key="record_source").set_value("An example").run()
    at.selectbox(key="record_example").set_value("record_208").run()
    notes = [w.value for w in at.warning if "flatters" in w.value]
    assert len(notes) == 2 and all("this recording's beats" in n for n in notes)
    at.selectbox(key="record_example").set_value("record_213").run()        # DS2: never seen
    assert not [w.value for w in at.warning if "flatters" in w.value]


def registry_title(pair: str) -> str:
    from ecgdash.models.registry import PAIR_TITLES

    return PAIR_TITLES[pair]


def test_a_rebuild_is_scored_anew(monkeypatch, tiny_store, small_source, tmp_path):
    """Rebuilt with another lead (the same beats, the same count), the built split is scored
    again: no predictions of the old build are shown."""
    from ecgdash.datasets.mitbih import build

    data = tmp_path / "data"
    build(source=small_source, out=data, csv=False)
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(data))
    at = _app()
    at.switch_page("pages/predict.py").run()
    at.radio[0].set_value("Built intra-patient test split").run()
    before = at.dataframe[0].value
    build(source=small_source, out=data, csv=False, lead=1)
    at.run()
    after = at.dataframe[0].value
    assert not at.exception and len(after) == len(before)
    assert not np.allclose(after["cnn_confidence"], before["cnn_confidence"])


def test_examples_in_one_click(app_env):
    at = _app()
    at.switch_page("pages/predict.py").run()
    at.radio[0].set_value("Example: 500 test beats").run()
    assert not at.exception and not at.error
    assert len(at.dataframe[0].value) == 500 and "true" in at.dataframe[0].value.columns
    assert [m.label for m in at.metric].count("macro-F1") == 2
    at.switch_page("pages/recording.py").run()
    at.radio(key="record_source").set_value("An example").run()
    assert len(at.selectbox(key="record_example").options) == 5   # four WFDB excerpts, the strip
    for key in ("record_208", "strip"):                # a WFDB record, and a CSV strip at 360 Hz
        at.selectbox(key="record_example").set_value(key).run()
        assert not at.exception and not at.error, (key, [e.value for e in at.error])
        assert len(at.dataframe[-1].value) > 20 and _views(at)


def test_recording_page_takes_the_rate_from_a_time_column(app_env, records, tmp_path):
    """A CSV with a time column at 250 Hz is read at 250 Hz unless the user gives a rate."""
    from scipy.signal import resample_poly

    from ecgdash.io.uploads import read_recording

    x = resample_poly(read_recording(records / "119").signals[: 360 * 60, 0], 25, 36)
    t = np.arange(len(x)) / 250
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([t, x]), delimiter=",", fmt="%.4f", header="time,MLII", comments="")
    at = _app()
    at.switch_page("pages/recording.py").run()
    at.file_uploader(key="record_upload").set_value(("export.csv", buf.getvalue().encode(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Read as a CSV signal at 250 Hz." in [c.value for c in at.caption]
    at.number_input(key="csv_fs").set_value(500.0).run()
    assert "Read as a CSV signal at 500 Hz." in [c.value for c in at.caption]


def test_recording_page_with_uploaded_record(app_env, records, tmp_path):
    import wfdb

    n = 360 * 60
    rec = wfdb.rdrecord(str(records / "119"), sampto=n)
    ann = wfdb.rdann(str(records / "119"), "atr", sampto=n)
    wfdb.wrsamp("r100", fs=360, units=rec.units, sig_name=rec.sig_name, p_signal=rec.p_signal,
                fmt=["212", "212"], adc_gain=rec.adc_gain, baseline=rec.baseline, write_dir=str(tmp_path))
    wfdb.wrann("r100", "atr", ann.sample, symbol=ann.symbol, write_dir=str(tmp_path))
    files = [(f"r100{e}", (tmp_path / f"r100{e}").read_bytes(), "application/octet-stream")
             for e in (".hea", ".dat", ".atr")]
    at = _app()
    at.switch_page("pages/recording.py").run()
    assert not at.exception
    at.file_uploader(key="record_upload").set_value(files).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[-1].value
    assert len(table) > 60 and {"time_s", "robust_lstm_class", "robust_cnn_class", "reference"} <= set(table.columns)
    assert _views(at)            # rhythm strip, heart rate, counts
    # the reference pair stays selectable
    at.file_uploader(key="record_upload").set_value(files).run()
    at.radio(key="model_pair").set_value("reference").run()
    assert not at.exception and "lstm_class" in at.dataframe[-1].value.columns
    # only the header: a clear error, the page keeps working
    at.file_uploader(key="record_upload").set_value([files[0]]).run()
    assert not at.exception and "missing" in at.error[0].value


def _trust_text(at) -> str:
    boxes = [b.value for kind in (at.success, at.info, at.warning, at.error) for b in kind]
    return next((str(b) for b in boxes if "How far to trust it" in str(b)), "")


def test_recording_page_reads_edf_and_apple_health_uploads(app_env, records, tmp_path):
    """An EDF+ upload and an Apple Watch export, each with the trust sentence shown first."""
    from scipy.signal import resample_poly
    from test_formats import _apple, _write_edf

    from ecgdash.io.uploads import read_recording

    rec = read_recording(records / "119")
    signals = rec.signals[: 60 * 360]
    path = tmp_path / "holter.edf"
    _write_edf(path, signals, 360, ["ECG MLII", "ECG V1"])
    at = _app()
    at.switch_page("pages/recording.py").run()
    at.file_uploader(key="record_upload").set_value(("holter.edf", path.read_bytes(), "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _lead(at).options == ["ECG MLII", "ECG V1"] and _lead(at).value == "ECG MLII"
    assert "How far to trust it" in _trust_text(at)
    assert 60 <= len(at.dataframe[-1].value) <= 90 and _views(at)

    watch = _apple(resample_poly(signals[: 30 * 360, 0], 512, 360))
    at.file_uploader(key="record_upload").set_value(("ecg_2026-11-30.csv", watch, "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Lead I from a watch, not MLII: take V and S calls as hints." in _trust_text(at)
    assert _lead(at).options == ["Lead I"]
    assert 25 <= len(at.dataframe[-1].value) <= 50
