"""Beats: one beat, a class as a band, the classes side by side, probabilities, explanations.

Built from library data (cards, beats, analyses); pages only place them.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ecgdash.beats import signal_length
from ecgdash.config import CLASSES
from ecgdash.ecg.context import timing_word
from ecgdash.ecg.whatif import P_WAVE_BEFORE_S
from ecgdash.models import registry
from ecgdash.report.ecg_paper import on_paper
from ecgdash.report.style import CLASS_COLORS, LAYOUT, beat_time


def beat_figure(x, title: str = "", color: str = "#333333", height: int = 300):
    """One beat's waveform against time in seconds (1/120 s per sample); the zero padding at
    the end of a Kaggle row (``beats.signal_length``) drawn apart, dotted grey on a grey band."""
    x = np.asarray(x, dtype=float)
    t = beat_time(len(x))
    end = signal_length(x)
    fig = go.Figure(go.Scatter(x=t[:end], y=x[:end], mode="lines", line=dict(color=color, width=2),
                               name="beat", hovertemplate="t=%{x:.3f} s<br>value=%{y:.3f}<extra></extra>"))
    if end < len(x):
        fig.add_trace(go.Scatter(x=t[end - 1:], y=x[end - 1:], mode="lines", name="zero padding",
                                 line=dict(color="#999", width=1, dash="dot"),
                                 hovertemplate="zero padding (not signal)<extra></extra>"))
        fig.add_vrect(x0=t[end - 1], x1=t[-1], fillcolor="#888", opacity=0.12, line_width=0,
                      annotation_text="padding", annotation_position="top left",
                      annotation_font_color="#666")
    fig.update_layout(title=title, xaxis_title="time since the beat's annotation (s)",
                      yaxis_title="amplitude (min-max scaled)", height=height, showlegend=False, **LAYOUT)
    return fig


def proba_bars(probas: dict[str, np.ndarray], true: str | None = None, height: int = 300):
    """Each model's class probabilities for one beat as grouped bars; the true class marked."""
    fig = go.Figure()
    for name, p in probas.items():
        fig.add_trace(go.Bar(x=list(CLASSES), y=np.asarray(p, dtype=float), name=registry.title(name),
                             marker_color=registry.color(name),
                             hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>"))
    if true is not None:
        fig.add_vline(x=CLASSES.index(true), line_dash="dot", line_color="black",
                      annotation_text=f"true: {true}", annotation_position="top")
    fig.update_layout(barmode="group", yaxis=dict(range=[0, 1.05], title="probability"),
                      title="class probabilities", height=height, **LAYOUT)
    return fig


def without_padding(X: np.ndarray) -> np.ndarray:
    """Beat rows as float with each row's zero padding (``signal_length``) set to NaN.

    Examples
    --------
    >>> without_padding(np.array([[0.5, 1.0, 0.0, 0.0], [0.2, 0.4, 0.6, 0.8]]))[0].tolist()
    [0.5, 1.0, nan, nan]
    """
    out = np.array(X, dtype=float, ndmin=2)
    n = out.shape[1]
    nonzero = out != 0
    last = np.where(nonzero.any(axis=1), n - np.argmax(nonzero[:, ::-1], axis=1), 0)
    end = np.where(n - last >= 2, last, n)                # as ``signal_length``, row by row
    out[np.arange(n)[None, :] >= end[:, None]] = np.nan
    return out


def signal_percentiles(X: np.ndarray, q) -> np.ndarray:
    """Percentiles ``q`` of beat rows, sample by sample, over the beats that still have signal
    there (padding is not a value); NaN where fewer than half of them do, so a band or a median
    never sinks into the padding of the shorter beats. Linear interpolation, as ``np.percentile``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.5, 0.0, 0.0, 0.0], [1.0, 0.5, 0.7, 0.0, 0.0], [1.0, 0.5, 0.9, 0.3, 0.2]])
    >>> np.round(signal_percentiles(X, [50])[0], 2).tolist()
    [1.0, 0.5, 0.8, nan, nan]
    """
    ordered = np.sort(without_padding(X), axis=0)        # NaN sort last
    count = np.isfinite(ordered).sum(axis=0)
    enough = (count >= max(1, len(ordered) / 2)) & (count > 0)
    columns = np.arange(ordered.shape[1])
    out = np.full((len(np.atleast_1d(q)), ordered.shape[1]), np.nan)
    if not len(ordered):
        return out
    top = np.maximum(count - 1, 0)
    for k, qk in enumerate(np.atleast_1d(q)):
        position = qk / 100.0 * top
        below = np.floor(position).astype(int)
        above = np.minimum(below + 1, top)
        share = position - below
        value = ordered[below, columns] * (1 - share) + ordered[above, columns] * share
        out[k] = np.where(enough, value, np.nan)
    return out


def overlay_figure(X: np.ndarray, label: str, max_beats: int = 20, seed: int = 0, height: int = 320):
    """A class's beats as a band: the median, the middle 80 % of the beats (10th to 90th
    percentile, sample by sample), and ``max_beats`` example beats drawn faintly; each beat's
    zero padding is left out (``signal_percentiles``)."""
    X = np.asarray(X)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(X), size=min(max_beats, len(X)), replace=False) if len(X) else []
    t = beat_time()
    color = CLASS_COLORS.get(label, "#333333")
    fig = go.Figure()
    for k, i in enumerate(pick):
        fig.add_trace(go.Scatter(x=t, y=without_padding(X[i:i + 1])[0], mode="lines",
                                 line=dict(color=color, width=0.8),
                                 opacity=0.2, name="single beats", legendgroup="single",
                                 showlegend=k == 0, hoverinfo="skip"))
    if len(X):
        lo, mid, hi = signal_percentiles(X, [10, 50, 90])
        keep = np.isfinite(mid)
        fig.add_trace(go.Scatter(x=np.concatenate([t[keep], t[keep][::-1]]),
                                 y=np.concatenate([hi[keep], lo[keep][::-1]]),
                                 fill="toself", fillcolor=color, opacity=0.25, line=dict(width=0),
                                 name="middle 80 % of beats", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=t, y=mid, mode="lines", name=f"median of {len(X):,}",
                                 line=dict(color="black", width=2.5)))
    fig.update_layout(title=f"class {label}: {len(X):,} beats ({len(pick)} drawn faintly)",
                      xaxis_title="time (s)", yaxis_title="amplitude", height=height,
                      legend=dict(orientation="h", y=-0.25), **LAYOUT)
    return fig


def band_figure(X: np.ndarray, y: np.ndarray, classes=CLASSES, height: int = 300):
    """Each class in its own panel on the same axes: the median beat and its middle 50 %
    (25th to 75th percentile), with the N median drawn faintly in the others for comparison;
    the zero padding is left out (``signal_percentiles``)."""
    t = beat_time()
    shown = [(c, name) for c, name in enumerate(CLASSES) if name in classes and np.any(y == c)]
    if not shown:
        return go.Figure().update_layout(title="no beats of these classes", height=height, **LAYOUT)
    fig = make_subplots(rows=1, cols=len(shown), shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=[f"{name} (n={int(np.sum(y == c)):,})" for c, name in shown])
    normal = signal_percentiles(X[y == 0], [50])[0] if np.any(y == 0) else None
    for col, (c, name) in enumerate(shown, start=1):
        members = X[y == c]
        lo, mid, hi = signal_percentiles(members, [25, 50, 75])
        keep = np.isfinite(mid)
        color = CLASS_COLORS[name]
        if normal is not None and c != 0:
            fig.add_trace(go.Scatter(x=t, y=normal, mode="lines", line=dict(color="#999", width=1, dash="dot"),
                                     name="N median", legendgroup="N median", showlegend=col == 2,
                                     hoverinfo="skip"), row=1, col=col)
        fig.add_trace(go.Scatter(x=np.concatenate([t[keep], t[keep][::-1]]),
                                 y=np.concatenate([hi[keep], lo[keep][::-1]]),
                                 fill="toself", fillcolor=color, opacity=0.3, line=dict(width=0),
                                 hoverinfo="skip", showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(x=t, y=mid, mode="lines", line=dict(color=color, width=2.5),
                                 showlegend=False, hovertemplate=f"{name} median<br>t=%{{x:.2f}} s"
                                 "<br>%{y:.2f}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(title_text="time (s)")
    fig.update_yaxes(title_text="amplitude", col=1)
    fig.update_layout(title="each class: median beat and its middle 50 %", height=height,
                      legend=dict(orientation="h", y=-0.3), **LAYOUT)
    fig.update_layout(margin=dict(t=70))     # the title above the panels' own titles
    return fig


def attribution_figure(x: np.ndarray, maps: dict[str, np.ndarray], title: str = "",
                       signed: bool = True, classes: dict[str, str] | None = None, height: int = 340):
    """The beat drawn once per model, side by side on the same time axis, each sample coloured by
    that model's attribution towards the class it explains.

    Parameters
    ----------
    x : ndarray, shape (187,)
        The beat row.
    maps : dict
        Model name -> (187,) attribution.
    signed : bool, default True
        Integrated gradients (red: pushed towards the class, blue: away, white: no effect);
        False: Grad-CAM's 0..1 (dark purple: not looked at, yellow: looked at most).
    classes : dict, optional
        Model name -> the class its panel explains; each panel's title names the model (its
        title, not the internal name) and that class.

    The zero padding at the end of a Kaggle row (``beats.signal_length``) is not signal: it is
    drawn apart, in grey on a grey band, and given no attribution colour.
    """
    names = list(maps)
    classes = classes or {}
    titles = [f"{registry.title(n)}: towards {classes[n]}" if n in classes else registry.title(n)
              for n in names]
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.04)
    x = np.asarray(x, dtype=float)
    t = beat_time(len(x))
    end = signal_length(x)
    for col, name in enumerate(names, start=1):
        a = np.asarray(maps[name], dtype=float)[:end]
        bound = float(np.max(np.abs(a))) if len(a) else 0.0
        bound = bound or 1.0
        fig.add_trace(go.Scatter(x=t[:end], y=x[:end], mode="lines", line=dict(color="#bbb", width=1),
                                 showlegend=False, hoverinfo="skip"), row=1, col=col)
        if signed:
            bar = dict(tickvals=[-bound, 0, bound],
                       ticktext=["away from<br>the class", "no effect", "towards<br>the class"])
        else:
            bar = dict(title="Grad-CAM", tickvals=[0, 1], ticktext=["not looked at", "looked at most"])
        fig.add_trace(go.Scatter(
            x=t[:end], y=x[:end], mode="markers", showlegend=False,
            marker=dict(color=a, size=7, colorscale="RdBu_r" if signed else "Viridis",
                        cmin=-bound if signed else 0, cmax=bound if signed else 1,
                        showscale=col == len(names), colorbar=dict(len=0.8, **bar)),
            customdata=a, hovertemplate="t=%{x:.3f} s<br>attribution %{customdata:.4f}<extra>"
            + registry.title(name) + "</extra>"), row=1, col=col)
        if end < len(x):
            fig.add_trace(go.Scatter(x=t[end - 1:], y=x[end - 1:], mode="lines", showlegend=False,
                                     line=dict(color="#999", width=1, dash="dot"),
                                     hovertemplate="zero padding (not signal)<extra></extra>"),
                          row=1, col=col)
            fig.add_vrect(x0=t[end - 1], x1=t[-1], fillcolor="#888", opacity=0.12, line_width=0,
                          row=1, col=col, annotation_text="padding", annotation_position="top left",
                          annotation_font_color="#666")
    fig.update_xaxes(title_text="time (s)")
    fig.update_layout(title=title, height=height, **LAYOUT)
    fig.update_layout(margin=dict(t=80))
    return fig


#: How much of a mean beat the class templates draw (s).
TEMPLATE_SECONDS = 1.0


def template_figure(templates: dict[str, dict], cls: str, height: int = 360):
    """Where each model looks in a class: the class's mean beat, once per model (one row each),
    every sample coloured by that model's mean attribution over correctly classified beats (from
    the cards), scaled to the model's strongest sample: red pushes towards the class, blue away."""
    rows = [(name, per_class[cls]) for name, per_class in templates.items() if per_class.get(cls)]
    if not rows:
        return go.Figure().update_layout(title=f"class {cls}: no explanations stored", height=height,
                                         **LAYOUT)
    fig = make_subplots(rows=len(rows), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[registry.title(name) for name, _ in rows])
    for row, (name, entry) in enumerate(rows, start=1):
        wave = np.asarray(entry["waveform"], dtype=float)
        a = np.asarray(entry["attribution"], dtype=float)
        share = a / (float(np.max(np.abs(a))) or 1.0)
        t = beat_time(len(wave))
        fig.add_trace(go.Scatter(x=t, y=wave, mode="lines", line=dict(color="#bbb", width=1),
                                 showlegend=False, hoverinfo="skip"), row=row, col=1)
        fig.add_trace(go.Scatter(
            x=t, y=wave, mode="markers", showlegend=False,
            marker=dict(color=share, size=9, colorscale="RdBu_r", cmin=-1, cmax=1, showscale=row == 1,
                        colorbar=dict(title="pushes", tickvals=[-1, 0, 1],
                                      ticktext=["away", "no effect", f"towards {cls}"], len=0.9)),
            customdata=share, hovertemplate="t=%{x:.3f} s<br>%{customdata:+.0%} of the strongest"
            f"<extra>{name}</extra>"), row=row, col=1)
        fig.update_yaxes(title_text="amplitude", row=row, col=1)
    # the first second: after it the mean beat is mostly the zero padding of shorter beats, and
    # the waves (P, T) are drawn on their own scale, not flattened by the padding's zeros
    shown = beat_time(len(wave)) <= TEMPLATE_SECONDS
    waves = [np.asarray(e["waveform"], dtype=float)[shown[:len(e["waveform"])]] for _, e in rows]
    low, high = min(float(w.min()) for w in waves), max(float(w.max()) for w in waves)
    pad = 0.08 * (high - low or 1.0)
    fig.update_xaxes(range=[-0.02, TEMPLATE_SECONDS])
    fig.update_yaxes(range=[low - pad, high + pad])
    fig.update_xaxes(title_text="time since the beat's mark (s)", row=len(rows), col=1)
    fig.update_layout(title=f"class {cls}: where each model looks (mean {cls} beat)",
                      height=max(height, 250 * len(rows)), **LAYOUT)
    fig.update_layout(margin=dict(t=70))
    return fig


def gallery_figure(X: np.ndarray, titles: list[str], cols: int = 6, row_height: int = 130):
    """Small multiples: one panel per beat (rows of ``X``), each with its title (e.g. both
    models' calls); each beat's zero padding is left out, not drawn as signal.

    Examples
    --------
    >>> fig = gallery_figure(np.random.default_rng(0).random((7, 187)), [f"#{i}" for i in range(7)])
    >>> len(fig.data), fig.layout.height
    (7, 260)
    """
    n = len(X)
    rows = max(1, -(-n // cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.02,
                        vertical_spacing=min(0.25, 0.5 / rows))
    for i, x in enumerate(np.asarray(X, dtype=float)):
        end = signal_length(x)
        t = beat_time(len(x))
        fig.add_trace(go.Scatter(x=t[:end], y=x[:end], mode="lines", line=dict(color="#333", width=1.3),
                                 hovertemplate=f"{titles[i]}<br>t=%{{x:.3f}} s<extra></extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False, range=[0, beat_time(X.shape[1])[-1] if n else 1.5])
    fig.update_yaxes(showticklabels=False, range=[-0.05, 1.05])
    fig.update_annotations(font_size=10)
    fig.update_layout(height=rows * row_height, showlegend=False, **{**LAYOUT, "margin": dict(l=5, r=5, t=25, b=5)})
    return fig


def whatif_figure(original: np.ndarray, changed: np.ndarray, height: int = 300):
    """A beat as it was (grey) and as the What-if lab changed it (black); padding left out.

    Examples
    --------
    >>> fig = whatif_figure(np.r_[np.linspace(1, 0, 50), np.zeros(137)], np.r_[np.linspace(0, 1, 50), np.zeros(137)])
    >>> [trace.name for trace in fig.data]
    ['as it was', 'changed']
    """
    fig = go.Figure()
    for x, name, style in ((original, "as it was", dict(color="#bbb", width=2)),
                           (changed, "changed", dict(color="#222", width=2))):
        x = np.asarray(x, dtype=float)
        end = signal_length(x)
        fig.add_trace(go.Scatter(x=beat_time(len(x))[:end], y=x[:end], mode="lines", name=name, line=style))
    fig.update_layout(xaxis_title="time since the beat's mark (s)", yaxis_title="amplitude (min-max scaled)",
                      height=height, legend=dict(orientation="h", y=1.1), **LAYOUT)
    return fig


#: Where a beat's own P wave usually lies, in seconds from its R-peak mark (``whatif.P_WAVE_BEFORE_S``:
#: a textbook range, drawn as a guide; early atrial beats may hide theirs, ventricular beats have none).
P_WAVE_ZONE = (-P_WAVE_BEFORE_S[0], -P_WAVE_BEFORE_S[1])


def beat_in_recording_figure(t: np.ndarray, x: np.ndarray, *, unit: str = "mV", marks=(),
                             title: str = "", height: int = 400, shown_s: float = 3.0):
    """A beat as a clinician sees it: the recording around its mark (``t`` in s from the mark,
    ``x`` in the recording's units), centred on the QRS, with the band where its P wave usually
    is and the other beats' marks (``marks``, s from this beat's) on ECG paper at 25 mm/s.
    At least ``shown_s`` seconds are shown; squares stay square, so a wide screen shows more of
    the recording on both sides (give ``t`` a few seconds more than ``shown_s``).

    Examples
    --------
    >>> t = np.arange(-150, 151) / 100
    >>> fig = beat_in_recording_figure(t, np.sin(t), marks=[-0.8, 0.0, 0.9])
    >>> fig.layout.xaxis.minor.dtick, len(fig.layout.shapes) >= 2
    (0.04, True)
    """
    t, x = np.asarray(t, dtype=float), np.asarray(x, dtype=float)
    fig = go.Figure(go.Scatter(x=t, y=x, mode="lines", line=dict(color="#111", width=1.6), name="signal",
                               hovertemplate=f"t=%{{x:.3f}} s<br>%{{y:.3f}} {unit}<extra></extra>"))
    fig.add_vrect(x0=P_WAVE_ZONE[0], x1=P_WAVE_ZONE[1], fillcolor=CLASS_COLORS["S"], opacity=0.15,
                  line_width=0, annotation_text="P wave usually here", annotation_position="top left",
                  annotation_font_size=11)
    for m in marks:
        if t[0] <= m <= t[-1]:
            this = abs(m) < 1e-9
            fig.add_vline(x=m, line=dict(color="#c00" if this else "#777", width=1.5 if this else 1,
                                         dash="solid" if this else "dot"),
                          annotation_text="this beat" if this else "", annotation_position="bottom right",
                          layer="below")
    fig.update_layout(title=title, xaxis_title="time from the beat's mark (s)",
                      yaxis_title=unit if unit == "mV" else f"amplitude ({unit})", height=height,
                      showlegend=False, **LAYOUT)
    on_paper(fig, millivolts=unit == "mV", span=(float(t[0]), float(t[-1])))
    fig.update_xaxes(range=[-shown_s / 2, shown_s / 2], constraintoward="center")
    return fig


def timing_words(prematurity: float) -> str:
    """RR before over the local RR in words: "on time", "28 % early", "15 % late".

    >>> timing_words(0.72), timing_words(1.02), timing_words(1.3)
    ('28 % early', 'on time', '30 % late')
    """
    word = timing_word(prematurity)
    return word if word == "on time" else f"{abs(1 - prematurity) * 100:.0f} % {word}"


def clusters_figure(clusters, *, unit: str = "mV", cols: int = 4, row_height: int = 200,
                    labels: dict | None = None):
    """One panel per cluster (``ecg.clusters.BeatClusters``): the median beat from the P wave to
    the T wave, the band of its middle 80 %, the beat count and how early the beats come; the
    models' calls are not shown (label first, then see how they did). ``labels``: cluster ->
    what a person's labels say of it (e.g. "N", "N 380, S 12"), added to its title.

    Examples
    --------
    >>> from ecgdash.ecg.clusters import cluster_beats
    >>> marks = np.arange(50, 5000, 80); x = np.zeros(5100); x[marks] = 1.0
    >>> fig = clusters_figure(cluster_beats(x, 100.0, marks, k=2))
    >>> len(fig.data), fig.layout.annotations[0].text.split(":")[0]
    (4, '#1')
    """
    k = clusters.k
    rows = max(1, -(-k // cols))
    titles = [f"#{c + 1}: {clusters.sizes[c]:,} beat{'s' if clusters.sizes[c] != 1 else ''}, {timing_words(clusters.prematurity[c])}"
              + (f" · <b>{labels[c]}</b>" if labels and labels.get(c) else "") for c in range(k)]
    fig = make_subplots(rows=rows, cols=min(cols, k), subplot_titles=titles, horizontal_spacing=0.03,
                        vertical_spacing=min(0.2, 0.45 / rows), shared_yaxes=True)
    t = clusters.t
    for c in range(k):
        where = dict(row=c // cols + 1, col=c % cols + 1)
        fig.add_trace(go.Scatter(x=np.r_[t, t[::-1]], y=np.r_[clusters.high[c], clusters.low[c][::-1]],
                                 fill="toself", fillcolor="rgba(120,120,120,0.25)", line=dict(width=0),
                                 hoverinfo="skip"), **where)
        fig.add_trace(go.Scatter(x=t, y=clusters.median[c], mode="lines", line=dict(color="#111", width=1.8),
                                 hovertemplate=f"#{c + 1}<br>t=%{{x:.2f}} s<br>%{{y:.2f}} {unit}<extra></extra>"),
                      **where)
    fig.update_xaxes(showticklabels=False, zeroline=True, zerolinecolor="#c00")
    fig.update_yaxes(showticklabels=False)
    fig.update_annotations(font_size=12)
    fig.update_layout(height=rows * row_height, showlegend=False, **{**LAYOUT, "margin": dict(l=5, r=5, t=30, b=5)})
    return fig


def question_figure(t: np.ndarray, shapes: np.ndarray, beats, *, others=None, unit: str = "mV",
                    now: str | None = None, examples: int = 6, height: int = 260, seed: int = 0):
    """What a template-review question shows: the median of its ``beats`` (rows of ``shapes``,
    ``ecg.clusters.beat_shapes``) with the band of their middle 80 % and a few of them, beside the
    median of ``others`` (the rest of their cluster, dashed grey) when given.

    Examples
    --------
    >>> t = np.linspace(-0.25, 0.45, 71); X = np.tile(np.sin(t * 9), (30, 1))
    >>> fig = question_figure(t, X, range(10), others=range(10, 30), now="N")
    >>> [d.name for d in fig.data][-2:]
    ['these beats (median)', 'the rest of their cluster (median)']
    """
    beats = np.asarray(beats)
    x = shapes[beats]
    color = CLASS_COLORS.get(now, "#333333")
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.r_[t, t[::-1]], y=np.r_[np.percentile(x, 90, axis=0), np.percentile(x, 10, axis=0)[::-1]],
                             fill="toself", fillcolor="rgba(120,120,120,0.22)", line=dict(width=0),
                             hoverinfo="skip", name="middle 80 %"))
    rng = np.random.default_rng(seed)
    for i in rng.choice(len(x), size=min(examples, len(x)), replace=False):
        fig.add_trace(go.Scatter(x=t, y=x[i], mode="lines", line=dict(color=color, width=0.7), opacity=0.45,
                                 hoverinfo="skip", name="a beat"))
    fig.add_trace(go.Scatter(x=t, y=np.median(x, axis=0), mode="lines", line=dict(color=color, width=2.6),
                             name="these beats (median)",
                             hovertemplate=f"t=%{{x:.2f}} s<br>%{{y:.2f}} {unit}<extra>these beats</extra>"))
    if others is not None and len(np.asarray(others)):
        fig.add_trace(go.Scatter(x=t, y=np.median(shapes[np.asarray(others)], axis=0), mode="lines",
                                 line=dict(color="#777", width=1.6, dash="dash"),
                                 name="the rest of their cluster (median)",
                                 hovertemplate=f"t=%{{x:.2f}} s<br>%{{y:.2f}} {unit}<extra>the rest</extra>"))
    fig.add_vline(x=0, line_color="#c00", line_width=1)
    fig.update_layout(height=height, showlegend=False, xaxis_title="time from the beat's mark (s)",
                      yaxis_title=unit, **{**LAYOUT, "margin": dict(l=10, r=10, t=10, b=10)})
    return fig
