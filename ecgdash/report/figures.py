"""Every chart of the dashboard, as Plotly figures built from library data (cards, beats).

Pages only place these figures; they never compute what is drawn.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ecgdash.beats import signal_length
from ecgdash.config import BEAT_FS, CLASSES
from ecgdash.evaluation.metrics import normalize_confusion
from ecgdash.models import registry

#: One colour per class, the same on every chart (colour-blind safe, Okabe-Ito).
CLASS_COLORS = {"N": "#0072B2", "S": "#E69F00", "V": "#D55E00", "F": "#009E73", "Q": "#CC79A7"}
_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), template="plotly_white")


def beat_time(n: int = 187) -> np.ndarray:
    """Time axis of a beat in seconds (1/120 s per sample)."""
    return np.arange(n) / BEAT_FS


def history_figure(cards: dict[str, dict], metric: str = "val_macro_f1", title: str | None = None):
    """Per-epoch ``metric`` of each model's stored training history; the best epoch marked."""
    fig = go.Figure()
    for name, card in cards.items():
        hist = card.get("history") or []
        epochs = [h["epoch"] for h in hist]
        values = [h.get(metric) for h in hist]
        fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=registry.title(name),
                                 line=dict(color=registry.color(name))))
        best = card.get("best_epoch")
        if best and best <= len(values):
            fig.add_trace(go.Scatter(x=[best], y=[values[best - 1]], mode="markers",
                                     marker=dict(symbol="star", size=14, color=registry.color(name)),
                                     name=f"{registry.title(name)} best epoch {best}", showlegend=True))
    fig.update_layout(title=title or metric.replace("_", " "), xaxis_title="epoch",
                      yaxis_title=metric.replace("_", " "), **_LAYOUT)
    return fig


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
                      yaxis_title="amplitude (min-max scaled)", height=height, showlegend=False, **_LAYOUT)
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
                      title="class probabilities", height=height, **_LAYOUT)
    return fig


def overlay_figure(X: np.ndarray, label: str, max_beats: int = 20, seed: int = 0, height: int = 320):
    """A class's beats as a band: the median, the middle 80 % of the beats (10th to 90th
    percentile, sample by sample), and ``max_beats`` example beats drawn faintly."""
    X = np.asarray(X)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(X), size=min(max_beats, len(X)), replace=False) if len(X) else []
    t = beat_time()
    color = CLASS_COLORS.get(label, "#333333")
    fig = go.Figure()
    for k, i in enumerate(pick):
        fig.add_trace(go.Scatter(x=t, y=X[i], mode="lines", line=dict(color=color, width=0.8),
                                 opacity=0.2, name="single beats", legendgroup="single",
                                 showlegend=k == 0, hoverinfo="skip"))
    if len(X):
        lo, mid, hi = np.percentile(X, [10, 50, 90], axis=0)
        fig.add_trace(go.Scatter(x=np.concatenate([t, t[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                                 fill="toself", fillcolor=color, opacity=0.25, line=dict(width=0),
                                 name="middle 80 % of beats", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=t, y=mid, mode="lines", name=f"median of {len(X):,}",
                                 line=dict(color="black", width=2.5)))
    fig.update_layout(title=f"class {label}: {len(X):,} beats ({len(pick)} drawn faintly)",
                      xaxis_title="time (s)", yaxis_title="amplitude", height=height,
                      legend=dict(orientation="h", y=-0.25), **_LAYOUT)
    return fig


def band_figure(X: np.ndarray, y: np.ndarray, classes=CLASSES, height: int = 300):
    """Each class in its own panel on the same axes: the median beat and its middle 50 %
    (25th to 75th percentile), with the N median drawn faintly in the others for comparison."""
    t = beat_time()
    shown = [(c, name) for c, name in enumerate(CLASSES) if name in classes and np.any(y == c)]
    if not shown:
        return go.Figure().update_layout(title="no beats of these classes", height=height, **_LAYOUT)
    fig = make_subplots(rows=1, cols=len(shown), shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=[f"{name} (n={int(np.sum(y == c)):,})" for c, name in shown])
    normal = np.median(X[y == 0], axis=0) if np.any(y == 0) else None
    for col, (c, name) in enumerate(shown, start=1):
        members = X[y == c]
        lo, mid, hi = np.percentile(members, [25, 50, 75], axis=0)
        color = CLASS_COLORS[name]
        if normal is not None and c != 0:
            fig.add_trace(go.Scatter(x=t, y=normal, mode="lines", line=dict(color="#999", width=1, dash="dot"),
                                     name="N median", legendgroup="N median", showlegend=col == 2,
                                     hoverinfo="skip"), row=1, col=col)
        fig.add_trace(go.Scatter(x=np.concatenate([t, t[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                                 fill="toself", fillcolor=color, opacity=0.3, line=dict(width=0),
                                 hoverinfo="skip", showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(x=t, y=mid, mode="lines", line=dict(color=color, width=2.5),
                                 showlegend=False, hovertemplate=f"{name} median<br>t=%{{x:.2f}} s"
                                 "<br>%{y:.2f}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(title_text="time (s)")
    fig.update_yaxes(title_text="amplitude", col=1)
    fig.update_layout(title="each class: median beat and its middle 50 %", height=height,
                      legend=dict(orientation="h", y=-0.3), **_LAYOUT)
    fig.update_layout(margin=dict(t=70))     # the title above the panels' own titles
    return fig


def roc_figure(evals: dict[str, dict], log_fpr: bool = True, height: int = 340):
    """Per-class one-vs-rest ROC curves, one panel per class, every model in each panel, with
    each model's AUC written in the panel. ``log_fpr`` spreads the small false positive rates
    where good models differ."""
    fig = make_subplots(rows=1, cols=len(CLASSES), subplot_titles=list(CLASSES),
                        shared_yaxes=True, horizontal_spacing=0.02)
    for col, cls in enumerate(CLASSES, start=1):
        aucs = []
        for name, ev in evals.items():
            curve = (ev.get("roc") or {}).get(cls)
            if not curve:
                continue
            fpr = np.asarray(curve["fpr"], dtype=float)
            tpr = np.asarray(curve["tpr"], dtype=float)
            if log_fpr:
                keep = fpr > 0
                fpr, tpr = fpr[keep], tpr[keep]
            title = registry.title(name)
            fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name=title, legendgroup=name,
                                     showlegend=col == 1, line=dict(color=registry.color(name)),
                                     hovertemplate="FPR %{x:.4f}<br>TPR %{y:.3f}<extra>"
                                     + f"{title} {cls}: AUC {curve['auc']:.4f}</extra>"), row=1, col=col)
            aucs.append(f"{title} {curve['auc']:.4f}")
        if len(evals) <= 2:         # more would cover the curves: hover them, or see the report
            fig.add_annotation(text="AUC<br>" + "<br>".join(aucs), xref=f"x{col if col > 1 else ''} domain",
                               yref="y domain", x=0.98, y=0.05, showarrow=False, xanchor="right",
                               yanchor="bottom", font=dict(size=10), align="right")
    if log_fpr:
        fig.update_xaxes(type="log", range=[-4, 0], title_text="false positive rate (log)",
                         tickvals=[1e-3, 1e-2, 1e-1], ticktext=["0.001", "0.01", "0.1"])
    else:
        fig.update_xaxes(range=[0, 1], title_text="false positive rate")
    fig.update_yaxes(range=[0, 1.02])
    fig.update_yaxes(title_text="true positive rate", col=1)
    fig.update_layout(height=height, legend=dict(orientation="h", y=1.22), **_LAYOUT)
    return fig


def confusion_figure(confusion, title: str = "", normalized: bool = False, height: int = 360):
    """Confusion matrix heat map (rows true, columns predicted).

    The colour is always the share of each true class (row-normalised), so a class of 162
    beats is as visible as one of 18,118; the text shows the counts, or with ``normalized``
    the shares."""
    counts = np.asarray(confusion)
    share = normalize_confusion(counts)
    text = [[f"{v:.1%}" for v in row] for row in share] if normalized else \
        [[f"{int(v):,}" for v in row] for row in counts]
    hover = [[f"{int(n):,} beats, {v:.1%} of true {t}" for n, v in zip(crow, srow)]
             for crow, srow, t in zip(counts, share, CLASSES)]
    fig = go.Figure(go.Heatmap(z=share, x=list(CLASSES), y=list(CLASSES), text=text, customdata=hover,
                               texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=1, showscale=False,
                               hovertemplate="true %{y} → predicted %{x}: %{customdata}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="predicted", yaxis_title="true", height=height,
                      yaxis=dict(autorange="reversed"), **_LAYOUT)
    return fig


def per_class_figure(evals: dict[str, dict], metric: str = "f1", height: int = 320):
    """One per-class metric (f1, precision, recall) of each model as grouped bars."""
    fig = go.Figure()
    for name, ev in evals.items():
        values = [ev["per_class"][c][metric] for c in CLASSES]
        fig.add_trace(go.Bar(x=list(CLASSES), y=values, name=registry.title(name),
                             marker_color=registry.color(name),
                             text=[f"{v:.3f}" for v in values], textposition="outside"))
    fig.update_layout(barmode="group", yaxis=dict(range=[0, 1.1], title=metric),
                      title=f"{metric} per class", height=height, **_LAYOUT)
    return fig


def params_figure(tables: dict[str, list[dict]], height: int | None = None):
    """Layer-by-layer parameter counts of each model (horizontal bars, layers in order)."""
    names = list(tables)
    rows_max = max(sum(1 for r in t if r["params"] > 0) for t in tables.values())
    height = height or 120 + 22 * rows_max
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[registry.title(n) for n in names], horizontal_spacing=0.25)
    for col, name in enumerate(names, start=1):
        rows = [r for r in tables[name] if r["params"] > 0]
        fig.add_trace(go.Bar(y=[f"{r['name']} ({r['type']})" for r in rows][::-1],
                             x=[r["params"] for r in rows][::-1], orientation="h",
                             marker_color=registry.color(name), name=registry.title(name),
                             text=[f"{r['params']:,}" for r in rows][::-1], textposition="auto",
                             showlegend=False), row=1, col=col)
        fig.update_xaxes(title_text="parameters", type="log", row=1, col=col)
    fig.update_layout(height=height, **_LAYOUT)
    return fig


def training_figure(history: list[dict], height: int = 320):
    """Loss and accuracy per epoch (training and validation), from a training history."""
    epochs = [h["epoch"] for h in history]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["loss", "accuracy / macro-F1"])
    for key, col, dash in (("loss", 1, None), ("val_loss", 1, "dot"), ("accuracy", 2, None),
                           ("val_accuracy", 2, "dot"), ("val_macro_f1", 2, "dash")):
        fig.add_trace(go.Scatter(x=epochs, y=[h.get(key) for h in history], mode="lines+markers",
                                 name=key.replace("_", " "), line=dict(dash=dash)), row=1, col=col)
    fig.update_xaxes(title_text="epoch")
    fig.update_layout(height=height, **_LAYOUT)
    return fig


def receptive_field_figure(fields: list[dict], beat_seconds: float, height: int = 340):
    """How much of the beat (seconds) one feature of each CNN layer sees, against the whole beat
    that the LSTM's memory spans."""
    names = [f["layer"] for f in fields] + ["LSTM memory"]
    values = [f["seconds"] for f in fields] + [beat_seconds]
    colors = [registry.color("cnn")] * len(fields) + [registry.color("lstm")]
    fig = go.Figure(go.Bar(y=names[::-1], x=values[::-1], orientation="h", marker_color=colors[::-1],
                           text=[f"{v:.2f} s" for v in values[::-1]], textposition="auto"))
    fig.add_vline(x=beat_seconds, line_dash="dot", annotation_text="whole beat")
    fig.update_layout(title="what one feature sees: CNN layers vs the LSTM",
                      xaxis_title="seconds of the beat", height=height, **_LAYOUT)
    return fig


def minmax_decimate(t: np.ndarray, x: np.ndarray, points: int = 20_000):
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


def rhythm_strip(signal: np.ndarray, fs: float, times: np.ndarray, classes: dict[str, np.ndarray],
                 center: float | None = None, window: float = 10.0, reference=None,
                 lead: str = "", height: int = 460, unit: str = "mV", unreadable=()):
    """The recording over time with every beat marked and coloured by each model's class.

    The whole record is drawn min-max decimated (so a 30-minute record stays light), the
    ``window`` seconds around ``center`` at full resolution; the x axis starts on that window
    and a range slider spans the whole record. Beat markers: one row per model above the
    signal (and the reference, if given), coloured by class; beats labelled "unreadable" are
    grey crosses, and the ``unreadable`` (start, end) stretches are shaded.
    """
    signal = np.asarray(signal, dtype=float)
    t = np.arange(len(signal)) / fs
    duration = t[-1] if len(t) else 0.0
    center = float(times[0]) if center is None and len(times) else float(center or 0.0)
    lo, hi = max(0.0, center - window / 2), min(duration, center + window / 2)
    fig = go.Figure()
    pad = 30.0
    a, b = int(max(0.0, lo - pad) * fs), int(min(duration, hi + pad) * fs) + 1
    td, xd = minmax_decimate(t, signal)
    xd = np.where((td >= t[a]) & (td <= t[min(b, len(t)) - 1]), np.nan, xd)  # full resolution there
    fig.add_trace(go.Scattergl(x=td, y=xd, mode="lines", line=dict(color="#999", width=1),
                               name="signal (overview)", hoverinfo="skip", connectgaps=False))
    fig.add_trace(go.Scattergl(x=t[a:b], y=signal[a:b], mode="lines", line=dict(color="#222", width=1.3),
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
            fig.add_trace(go.Scattergl(
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
                                                rangeslider=dict(visible=True, thickness=0.08)),
                      yaxis=dict(title=f"signal ({unit})", fixedrange=False),
                      legend=dict(orientation="h", y=1.12), **_LAYOUT)
    fig.update_layout(margin=dict(l=60, r=10, t=60, b=10))
    return fig


def heart_rate_figure(times: np.ndarray, bpm: np.ndarray, height: int = 260):
    """Heart rate (beats/min) over time, beat by beat."""
    fig = go.Figure(go.Scattergl(x=times, y=bpm, mode="lines+markers", marker=dict(size=3),
                                 line=dict(width=1, color="#D55E00"), name="heart rate"))
    fig.update_layout(title="heart rate", xaxis_title="time (s)", yaxis_title="beats / min",
                      height=height, **_LAYOUT)
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
                      yaxis=dict(title="beats", type="log", dtick=1), height=height, **_LAYOUT)
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
    fig.update_layout(title=title, height=height, **_LAYOUT)
    fig.update_layout(margin=dict(t=80))
    return fig


def template_figure(templates: dict[str, dict], cls: str, height: int = 360):
    """Where each model looks in a class: the class's mean beat, once per model (one row each),
    every sample coloured by that model's mean attribution over correctly classified beats (from
    the cards), scaled to the model's strongest sample: red pushes towards the class, blue away."""
    rows = [(name, per_class[cls]) for name, per_class in templates.items() if per_class.get(cls)]
    if not rows:
        return go.Figure().update_layout(title=f"class {cls}: no explanations stored", height=height,
                                         **_LAYOUT)
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
            marker=dict(color=share, size=7, colorscale="RdBu_r", cmin=-1, cmax=1, showscale=row == 1,
                        colorbar=dict(title="pushes", tickvals=[-1, 0, 1],
                                      ticktext=["away", "no effect", f"towards {cls}"], len=0.9)),
            customdata=share, hovertemplate="t=%{x:.3f} s<br>%{customdata:+.0%} of the strongest"
            f"<extra>{name}</extra>"), row=row, col=1)
        fig.update_yaxes(title_text="amplitude", row=row, col=1)
    fig.update_xaxes(title_text="time (s)", row=len(rows), col=1)
    fig.update_layout(title=f"class {cls}: where each model looks (mean {cls} beat)",
                      height=max(height, 180 * len(rows)), **_LAYOUT)
    fig.update_layout(margin=dict(t=70))
    return fig
