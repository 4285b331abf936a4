"""Recordings: the rhythm strip coloured by class, the heart rate, beats per class.

Built from library data (cards, beats, analyses); pages only place them.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ecgdash.config import CLASSES
from ecgdash.models import registry
from ecgdash.report.style import CLASS_COLORS, LAYOUT


def minmax_decimate(t: np.ndarray, x: np.ndarray, points: int = 4_000):
    """At most ``points`` (t, x) points keeping each bucket's min and max (spikes stay visible)."""
    n = len(x)
    if n <= points:
        return t, x
    buckets = points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    lo = np.minimum.reduceat(np.nan_to_num(x, nan=np.nanmedian(x)), edges[:-1])
    hi = np.maximum.reduceat(np.nan_to_num(x, nan=np.nanmedian(x)), edges[:-1])
    tt = np.repeat(t[edges[:-1]], 2)
    xx = np.empty(2 * buckets)
    xx[0::2], xx[1::2] = lo, hi
    return tt, xx


#: Seconds drawn either side of the window: the whole record's strip (with its overview), and
#: the light one (``overview=False``, redrawn after each caliper drag).
PAD_S, LIGHT_PAD_S = 30.0, 15.0


def rhythm_strip(signal: np.ndarray, fs: float, times: np.ndarray, classes: dict[str, np.ndarray],
                 center: float | None = None, window: float = 10.0, reference=None,
                 lead: str = "", height: int = 460, unit: str = "mV", unreadable=(),
                 overview: bool = True):
    """The recording over time with every beat marked and coloured by each model's class.

    The whole record is drawn min-max decimated (so a 30-minute record stays light), the
    ``window`` seconds around ``center`` at full resolution; the x axis starts on that window
    and a range slider spans the whole record. Beat markers: one row per model above the
    signal (and the reference, if given), coloured by class; beats labelled "unreadable" are
    grey crosses, and the ``unreadable`` (start, end) stretches are shaded.

    Without ``overview`` only ``LIGHT_PAD_S`` either side of the window are drawn (no whole-record
    trace, no range slider; beats outside left out), as SVG rather than WebGL: a figure a
    fraction of the size that a browser redraws in a fraction of the time, for redrawing often
    (each caliper drag on ECG paper, each click of a template review). The whole record's
    figure draws with WebGL (tens of thousands of points).
    """
    scatter = go.Scattergl if overview else go.Scatter
    signal = np.asarray(signal, dtype=float)
    t = np.arange(len(signal)) / fs
    duration = t[-1] if len(t) else 0.0
    center = float(times[0]) if center is None and len(times) else float(center or 0.0)
    lo, hi = max(0.0, center - window / 2), min(duration, center + window / 2)
    fig = go.Figure()
    pad = PAD_S if overview else LIGHT_PAD_S
    a, b = int(max(0.0, lo - pad) * fs), int(min(duration, hi + pad) * fs) + 1
    if overview:
        td, xd = minmax_decimate(t, signal)
        xd = np.where((td >= t[a]) & (td <= t[min(b, len(t)) - 1]), np.nan, xd)  # full resolution there
        fig.add_trace(scatter(x=td, y=xd, mode="lines", line=dict(color="#999", width=1),
                                   name="signal (overview)", hoverinfo="skip", connectgaps=False))
    else:
        near = (times >= t[a]) & (times <= t[min(b, len(t)) - 1])
        times = times[near]
        classes = {name: np.asarray(labels)[near] for name, labels in classes.items()}
        reference = None if reference is None else np.asarray(reference)[near]
    fig.add_trace(scatter(x=t[a:b], y=signal[a:b].astype(np.float32), mode="lines",
                               line=dict(color="#222", width=1.3),
                               name=f"signal {lead}".strip(),
                               hovertemplate="t=%{x:.3f} s<br>%{y:.3f}<extra></extra>"))
    finite = signal[np.isfinite(signal)]
    top = float(np.percentile(finite, 99.9)) if len(finite) else 1.0
    bottom = float(np.percentile(finite, 0.1)) if len(finite) else 0.0
    span = max(top - bottom, 1e-6)
    rows = dict(classes)
    if reference is not None:
        rows = {"reference": reference, **rows}
    for k, (name, labels) in enumerate(rows.items()):
        y = top + span * (0.12 + 0.1 * k)
        labels = np.asarray(labels)
        for c in (*CLASSES, "unreadable"):
            hit = labels == c
            if not hit.any():
                continue
            symbol = "x-thin-open" if c == "unreadable" else "line-ns-open" if name == "reference" else "circle"
            fig.add_trace(scatter(
                x=times[hit], y=np.full(hit.sum(), y), mode="markers",
                marker=dict(color=CLASS_COLORS.get(c, "#888"), size=9, symbol=symbol),
                name=f"{registry.title(name)}: {c}", legendgroup=name,
                hovertemplate=f"{registry.title(name)}: {c}<br>t=%{{x:.2f}} s<extra></extra>"))
        # inside the plot's left edge, on a white ground: clear of the axis' tick labels
        fig.add_annotation(x=0.003, xref="paper", y=y, text=registry.title(name) if name != "reference"
                           else "reference", showarrow=False, xanchor="left", font=dict(size=10),
                           bgcolor="rgba(255,255,255,0.85)")
    for start, end in unreadable:
        fig.add_vrect(x0=start, x1=end, fillcolor="#888", opacity=0.15, line_width=0)
    fig.update_layout(height=height, xaxis=dict(range=[lo, hi], title="time (s)",
                                                rangeslider=dict(visible=overview, thickness=0.08)),
                      yaxis=dict(title=f"signal ({unit})", fixedrange=False),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), **LAYOUT)
    fig.update_layout(margin=dict(l=60, r=10, t=60, b=10))
    return fig


def heart_rate_figure(times: np.ndarray, bpm: np.ndarray, height: int = 260):
    """Heart rate (beats/min) over time, beat by beat."""
    fig = go.Figure(go.Scattergl(x=times, y=bpm, mode="lines+markers", marker=dict(size=3),
                                 line=dict(width=1, color="#D55E00"), name="heart rate"))
    fig.update_layout(title="heart rate", xaxis_title="time (s)", yaxis_title="beats / min",
                      height=height, **LAYOUT)
    return fig


def counts_figure(counts, height: int = 300):
    """Beats per class for each model (and the reference), grouped bars; ``counts`` a DataFrame
    with classes as rows and sources as columns."""
    fig = go.Figure()
    for col in counts.columns:
        color = "#444" if col == "reference" else registry.color(col)
        values = counts[col].tolist()
        fig.add_trace(go.Bar(x=list(counts.index), y=[v if v > 0 else None for v in values],
                             name=registry.title(col),
                             marker_color=color, text=values, textposition="outside", cliponaxis=False))
    # a log axis: 3 S beats must show next to 2,000 N beats
    fig.update_layout(barmode="group", title="beats per class (log scale)",
                      yaxis=dict(title="beats", type="log", dtick=1), height=height, **LAYOUT)
    return fig
