"""A beat as a clinician sees it: the recording around its mark, centred on the QRS, on ECG paper,
with the P wave before it (when the recording is at hand), never the row's zero padding."""
from __future__ import annotations

import base64
import json
import shutil

import numpy as np
import plotly.io as pio
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ecgdash import read_recording
from ecgdash.datasets import mitbih as dataset
from ecgdash.ecg.cutting import window_around


def test_the_window_is_the_recording_around_the_mark(records):
    rec = read_recording(records / "119")
    signal, mark = rec.signals[:, 0], int(rec.ann_sample[10])
    t, x = window_around(signal, rec.fs, mark, 0.4, 0.6)
    assert t[0] == -round(0.4 * rec.fs) / rec.fs and np.isclose(t[-1], 0.6, atol=1 / rec.fs)
    assert x[np.flatnonzero(t == 0)[0]] == signal[mark]
    np.testing.assert_array_equal(x, signal[mark - 144: mark + 217])      # 0.4 s and 0.6 s at 360 Hz
    t, x = window_around(signal, rec.fs, 5, 0.4, 0.6)                      # runs past the start
    assert np.isnan(x[t < -5 / rec.fs]).all() and not np.isnan(x[t >= -5 / rec.fs]).any()


def _build_with(small_data, target, **changes):
    """A copy of the small build whose build.json says ``changes`` (e.g. another source)."""
    shutil.copytree(small_data, target)
    status = json.loads((target / "build.json").read_text())
    (target / "build.json").write_text(json.dumps({**status, **changes}))
    return target


def test_a_built_beat_finds_its_record_and_lead(small_data, small_source, tmp_path, monkeypatch):
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "empty"))
    assert dataset.source_record("119", out=small_data) == small_source / "119"
    assert dataset.source_record("119", out=_build_with(small_data, tmp_path / "moved", source=str(tmp_path / "gone"))) is None
    rec = read_recording(small_source / "119")                  # leads MLII, V1
    assert dataset.built_lead(rec, out=small_data) == 0         # built from channel 0
    assert dataset.built_lead(rec, out=_build_with(small_data, tmp_path / "v1", lead="V1")) == 1


def _explorer_on_ds2(monkeypatch, tiny_store, data):
    """The Beat explorer on the built DS2 split of ``data``, with the tiny models."""
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(data))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/explorer.py").run()
    at.selectbox[0].set_value("Built DS2 test split").run()
    return at


def _figure(chart):
    return pio.from_json(chart.proto.spec)


def _values(array) -> np.ndarray:
    """A figure's data array, as Plotly sends it (a list, or base64 "bdata" with its dtype)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).astype(float)
    return np.asarray(array, dtype=float)


def test_the_explorer_shows_the_beat_in_its_recording(monkeypatch, tiny_store, small_data, small_source):
    """Built beats keep their record and sample: the Explorer draws the recording around the
    beat, centred on its mark, on 25 mm/s paper, with the P-wave band before it."""
    at = _explorer_on_ds2(monkeypatch, tiny_store, small_data)
    at.number_input(key="beat_index").set_value(7).run()
    assert not at.exception
    figures = [_figure(c) for c in at.get("plotly_chart")]
    (fig,) = [f for f in figures if "In its recording" in (f.layout.title.text or "")]
    beats = dataset.load_split("inter", "test", out=small_data)
    record, mark = str(beats.record[7]), int(beats.sample[7])
    assert f"record {record}" in fig.layout.title.text
    rec = read_recording(small_source / record)
    t, x = _values(fig.data[0].x), _values(fig.data[0].y)
    at_mark = np.flatnonzero(np.isclose(t, 0.0))[0]
    assert x[at_mark] == rec.signals[mark, 0]
    np.testing.assert_allclose(x[at_mark - 36: at_mark + 37], rec.signals[mark - 36: mark + 37, 0])
    assert fig.layout.xaxis.minor.dtick == 0.04 and fig.layout.yaxis.minor.dtick == 0.1
    band = [s for s in fig.layout.shapes if s.type == "rect"]
    assert band and band[0].x1 < 0 < fig.layout.xaxis.range[1] and fig.layout.xaxis.range[0] < band[0].x0


def test_rows_without_a_recording_say_so(monkeypatch, tiny_store, small_data, tmp_path):
    at = _explorer_on_ds2(monkeypatch, tiny_store, _build_with(small_data, tmp_path / "moved",
                                                                source=str(tmp_path / "gone")))
    assert not at.exception
    assert any("is not on this machine" in c.value for c in at.caption)
    assert not [c for c in at.get("plotly_chart") if "In its recording" in c.proto.spec]
