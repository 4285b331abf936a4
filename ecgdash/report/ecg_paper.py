"""ECG paper: the standard grid behind a trace (1-mm and 5-mm squares at a paper speed and gain).

At 25 mm/s and 10 mm/mV a small square is 40 ms by 0.1 mV, a large one 200 ms by 0.5 mV, and
the squares stay square: the amplitude axis is tied to the time axis (``scaleanchor``), so a
1 mV QRS is as tall as 0.4 s is wide, as on paper. Without millivolts (a file whose unit is not
known) only the time grid is drawn.

    >>> import plotly.graph_objects as go
    >>> fig = on_paper(go.Figure(go.Scatter(x=[0, 1], y=[0, 1])), speed_mm_s=25, gain_mm_mv=10)
    >>> fig.layout.xaxis.minor.dtick, fig.layout.yaxis.minor.dtick, fig.layout.yaxis.scaleratio
    (0.04, 0.1, 0.4)
"""
from __future__ import annotations

import numpy as np

from ecgdash.ecg.calipers import PAPER_GAIN, PAPER_SPEED

SPEEDS = (25.0, 50.0)
GAINS = (5.0, 10.0, 20.0)
PAPER = "#fff7f7"
MINOR = "#f6c9c9"
MAJOR = "#e58f8f"


def time_ticks(lo: float, hi: float, step: float, label_every: float = 1.0) -> tuple[list, list]:
    """Tick positions every ``step`` seconds over [lo, hi], labelled only at whole
    ``label_every`` seconds (a label on every large square would crowd the axis)."""
    first = np.ceil(lo / step) * step
    values = np.round(np.arange(first, hi + step / 2, step), 6) + 0.0     # + 0.0: no "-0" label
    labels = [f"{v:g}" if abs(v / label_every - round(v / label_every)) < 1e-6 else "" for v in values]
    return values.tolist(), labels


def on_paper(fig, *, speed_mm_s: float = PAPER_SPEED, gain_mm_mv: float = PAPER_GAIN,
             millivolts: bool = True, span: tuple[float, float] | None = None):
    """Draw ``fig`` (one pair of axes, time in s, amplitude in mV) on ECG paper; returns it.

    Parameters
    ----------
    speed_mm_s, gain_mm_mv : float
        Paper speed and gain (25 mm/s and 10 mm/mV by default; 50 mm/s spreads the time).
    millivolts : bool
        Whether the amplitude is in mV: otherwise only the time grid is drawn and the
        amplitude axis is left free.
    span : (float, float), optional
        The stretch of time whose large squares get ticks (labels on whole seconds); by
        default Plotly's own ticks, one per large square.
    """
    small_s = 1.0 / speed_mm_s
    # squares stay square by showing more time, to the right of where the strip starts
    x = dict(showgrid=True, gridcolor=MAJOR, gridwidth=1, zeroline=False, constrain="range",
             constraintoward="left",
             minor=dict(dtick=small_s, showgrid=True, gridcolor=MINOR, gridwidth=0.5))
    if span is None:
        x.update(tick0=0.0, dtick=5 * small_s)
    else:
        values, labels = time_ticks(*span, 5 * small_s)
        x.update(tickmode="array", tickvals=values, ticktext=labels)
        x["minor"].update(tickmode="linear", tick0=0.0)
    fig.update_xaxes(**x)
    if millivolts:
        small_mv = 1.0 / gain_mm_mv
        fig.update_yaxes(showgrid=True, gridcolor=MAJOR, gridwidth=1, zeroline=False, tick0=0.0,
                         dtick=5 * small_mv, minor=dict(dtick=small_mv, showgrid=True,
                                                        gridcolor=MINOR, gridwidth=0.5),
                         scaleanchor="x", scaleratio=gain_mm_mv / speed_mm_s, constrain="range")
    fig.update_layout(plot_bgcolor=PAPER)
    return fig
