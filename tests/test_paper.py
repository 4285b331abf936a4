"""ECG paper and calipers: the grid's squares and the intervals read off it."""
from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest

from ecgdash.ecg.calipers import caliper
from ecgdash.report.ecg_paper import on_paper, time_ticks


def test_a_caliper_reads_either_way_and_refuses_what_is_not_a_time():
    r = caliper(2.5, 1.7)
    assert (r.start_s, r.end_s, r.ms) == (1.7, 2.5, 800.0)
    assert r.bpm == pytest.approx(75.0)
    assert r.mm(50) == 40.0                       # twice as long on paper at 50 mm/s
    assert "75 beats per minute" in r.sentence()
    assert caliper(3.0, 3.0).bpm is None and "per minute" not in caliper(3.0, 3.0).sentence()
    with pytest.raises(ValueError):
        caliper(math.nan, 1.0)


@pytest.mark.parametrize("speed, gain", [(25, 10), (50, 10), (25, 20), (25, 5)])
def test_the_squares_follow_speed_and_gain(speed, gain):
    fig = on_paper(go.Figure(go.Scatter(x=[0, 2], y=[-1, 1])), speed_mm_s=speed, gain_mm_mv=gain)
    assert fig.layout.xaxis.minor.dtick == pytest.approx(1 / speed)        # 1 mm of time
    assert fig.layout.xaxis.dtick == pytest.approx(5 / speed)              # 5 mm
    assert fig.layout.yaxis.minor.dtick == pytest.approx(1 / gain)         # 1 mm of amplitude
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.yaxis.scaleratio == pytest.approx(gain / speed)      # square squares


def test_without_millivolts_only_time_is_gridded_and_labels_fall_on_whole_seconds():
    fig = on_paper(go.Figure(go.Scatter(x=[0, 2], y=[0, 900])), millivolts=False, span=(0.1, 2.05))
    assert fig.layout.yaxis.scaleanchor is None and fig.layout.yaxis.minor.dtick is None
    values, labels = time_ticks(0.1, 2.05, 0.2)
    assert values[0] == pytest.approx(0.2) and values[-1] == pytest.approx(2.0)
    assert [label for label in labels if label] == ["1", "2"]
    assert list(fig.layout.xaxis.tickvals) == values


def test_class_bands_and_single_beats_never_draw_the_padding_as_signal():
    """Beat explorer's class figures: a median over beats of different lengths stays on the
    beats that still have signal (the padding's zeros used to pull it down to 0)."""
    import numpy as np

    from ecgdash.report.beat_figures import band_figure, overlay_figure

    long = np.r_[np.linspace(1, 0.4, 150), np.zeros(37)]        # signal to sample 150
    short = np.r_[np.linspace(1, 0.4, 90), np.zeros(97)]        # signal to sample 90
    X = np.stack([long, long, long, short, short])
    fig = overlay_figure(X, "N", max_beats=5)
    median = next(t for t in fig.data if t.name.startswith("median"))
    y = np.asarray(median.y, dtype=float)
    assert np.nanmin(y[:150]) > 0.35                            # not dragged into the short beats' zeros
    assert np.isnan(y[150:]).all()                              # no median where no beat has signal
    singles = [np.asarray(t.y, dtype=float) for t in fig.data if t.name == "single beats"]
    assert all(np.isnan(s[150:]).all() for s in singles) and any(np.isnan(s[90:150]).all() for s in singles)
    bands = band_figure(X, np.zeros(5, dtype=int), ["N"])
    assert np.nanmin(np.asarray(bands.data[-1].y, dtype=float)) > 0.35
