"""The printable one-page reports: true ECG paper, numbers from the analysis and the cards, a PDF."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ecgdash import analyze_record
from ecgdash.config import CLASSES
from ecgdash.models import registry
from ecgdash.report import printable

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def analysis(records, tiny_models):
    return analyze_record(records / "119", models=tiny_models)


def _texts(fig, prefix: str) -> list:
    return [t for t in fig.texts if (t.get_gid() or "").startswith(prefix)]


def _mm(size_inches: float) -> float:
    return size_inches * 25.4


def test_the_strip_is_true_ecg_paper_with_every_models_call(analysis):
    fig = printable.recording_page(analysis, center=100.0)
    assert [round(_mm(v)) for v in fig.get_size_inches()] == [297, 210]        # A4 landscape
    (strip,) = [ax for ax in fig.axes if ax.get_label() == "rhythm strip"]
    t0, t1 = strip.get_xlim()
    assert (t0, t1) == (95.0, 105.0)
    box = strip.get_position()                      # figure fraction -> mm on the page
    width_mm, height_mm = box.width * 297, box.height * 210
    assert width_mm == pytest.approx((t1 - t0) * 25, abs=0.01)               # 25 mm/s
    lo, hi = strip.get_ylim()
    assert height_mm == pytest.approx((hi - lo) * 10, abs=0.01)              # 10 mm/mV
    fig.canvas.draw()                                   # ticks are placed when drawn
    def lines(axis):                # minor lines skip where a major one is; within the view
        lo, hi = axis.get_view_interval()
        locs = np.unique(np.round(np.r_[axis.get_minorticklocs(), axis.get_majorticklocs()], 6))
        return locs[(locs >= lo - 1e-9) & (locs <= hi + 1e-9)]
    assert np.diff(lines(strip.xaxis)) == pytest.approx(0.04)                # 1 mm = 40 ms
    assert np.diff(lines(strip.yaxis)) == pytest.approx(0.1)                 # 1 mm = 0.1 mV
    assert np.diff(strip.xaxis.get_majorticklocs()) == pytest.approx(0.2)    # 5 mm = 200 ms
    assert len(lines(strip.xaxis)) == 251                                    # 10 s, both ends
    assert [t.get_text() for t in strip.get_xticklabels() if t.get_text()][:2] == ["95 s", "96 s"]
    inside = (analysis.times >= t0) & (analysis.times <= t1)
    for name in ("lstm", "cnn"):
        letters = [t.get_text() for t in _texts(fig, f"call:{name}")]
        assert letters == [c[0] for c in analysis.classes(name)[inside]]
    reference = [t.get_text() for t in _texts(fig, "call:reference")]
    assert reference == [CLASSES[k] for k in analysis.reference[inside]]


def test_the_counts_are_the_analysis_counts(analysis):
    fig = printable.recording_page(analysis)
    cells = {t.get_gid(): t.get_text() for t in _texts(fig, "count:")}
    counts = analysis.counts
    for cls in counts.index:
        for column in counts.columns:
            label = "reference" if column == "reference" else registry.title(column)
            assert cells[f"count:{cls}:{label}"] == f"{int(counts.loc[cls, column]):,}"
    sentence = [t.get_text() for t in fig.texts if analysis.trust.sentence[:40] in t.get_text().replace("\n", " ")]
    assert sentence, "the trust sentence is on the page"


def test_a_signal_not_in_millivolts_gets_no_millivolt_grid(records, tiny_models, tmp_path):
    from ecgdash import read_recording

    x = read_recording(records / "119").signals[: 30 * 360, 0] * 1000 + 512    # ADC-like units
    path = tmp_path / "adc.csv"
    np.savetxt(path, x, fmt="%.1f", header="signal", comments="")
    result = analyze_record(path, fs=360, models=tiny_models, check_quality=False)
    assert result.recording.unit != "mV"
    fig = printable.recording_page(result)
    (strip,) = [ax for ax in fig.axes if ax.get_label() == "rhythm strip"]
    fig.canvas.draw()
    assert len(strip.yaxis.get_minorticklocs()) == len(strip.yaxis.get_majorticklocs()) == 0   # no mV lines
    assert len(strip.xaxis.get_minorticklocs()) > 100                                       # the time grid
    assert any("no mV grid" in t.get_text() for t in fig.texts)


def test_a_recording_report_is_a_pdf_titled_by_the_record(analysis):
    pdf = printable.recording_report(analysis)
    assert pdf.startswith(b"%PDF-")
    assert b"/Title (ecgdash report: 119)" in pdf


def test_card_lines_quote_the_shipped_cards():
    card = json.loads((ROOT / "trained_models" / "robust_lstm.json").read_text())
    lines = printable.card_lines("robust_lstm", card)
    ev = card["evaluation"]
    assert f"{card['params']:,} parameters" in lines[1]
    assert lines[2].startswith(f"DS2: {ev['n']:,} beats, accuracy {ev['accuracy']:.3f}")
    svdb = card["databases"]["svdb-dev"]
    assert any(line.startswith("svdb-dev (out of fold)") and f"S {svdb['per_class']['S']['f1']:.2f}" in line
               for line in lines)
    assert printable.card_lines("cnn", None) == ["CNN: no model card."]


def test_a_predict_page_says_agreement_scores_and_notes():
    rng = np.random.default_rng(0)
    a = np.eye(5)[rng.integers(0, 5, 200)]
    b = a.copy()
    b[:30] = np.eye(5)[(a[:30].argmax(axis=1) + 1) % 5]            # 30 of 200 differ
    ev = {"accuracy": 0.5, "macro_f1": 0.4, "confusion": np.arange(25).reshape(5, 5).tolist(),
          "per_class": {c: {"f1": 0.1 * k} for k, c in enumerate(CLASSES)}}
    fig = printable.predict_page({"lstm": a, "cnn": b}, source_name="x.csv", evaluations={"lstm": ev, "cnn": ev},
                                 notes=["The LSTM trained on these beats."])
    words = " ".join(t.get_text() for t in fig.texts)
    assert "agree on 85.0% of them" in words
    assert "The LSTM trained on these beats." in words
    cells = {t.get_gid(): t.get_text() for t in _texts(fig, "count:")}
    assert cells["count:S:LSTM"] == str(int((a.argmax(axis=1) == 1).sum()))
    confusion = {t.get_gid(): t.get_text() for t in _texts(fig, "cm:lstm:")}
    assert confusion["cm:lstm:S:V"] == "7" and confusion["cm:lstm:Q:Q"] == "24"   # row true, column called
    unlabelled = printable.predict_page({"lstm": a, "cnn": b}, source_name="x.csv")
    assert any("no labels" in t.get_text() for t in unlabelled.texts)
