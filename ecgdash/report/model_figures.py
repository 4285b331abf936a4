"""Models: ROC curves, confusion matrices, per-class scores, parameters, training curves, receptive fields.

Built from library data (cards, beats, analyses); pages only place them.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ecgdash.config import CLASSES
from ecgdash.evaluation.metrics import normalize_confusion
from ecgdash.models import registry
from ecgdash.report.style import LAYOUT


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
                      yaxis_title=metric.replace("_", " "), **LAYOUT)
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
    fig.update_layout(height=height, legend=dict(orientation="h", y=1.22), **LAYOUT)
    return fig


def confusion_figure(confusion, title: str = "", normalized: bool = False, height: int = 360,
                     clickable: bool = False):
    """Confusion matrix heat map (rows true, columns predicted).

    The colour is always the share of each true class (row-normalised), so a class of 162
    beats is as visible as one of 18,118; the text shows the counts, or with ``normalized``
    the shares. ``clickable``: a nearly transparent square marker over each cell with beats,
    which a click selects (a heat map alone cannot be selected): the selected point's ``y``
    is the true class, its ``x`` the predicted one."""
    counts = np.asarray(confusion)
    share = normalize_confusion(counts)
    text = [[f"{v:.1%}" for v in row] for row in share] if normalized else \
        [[f"{int(v):,}" for v in row] for row in counts]
    hover = [[f"{int(n):,} beats, {v:.1%} of true {t}" for n, v in zip(crow, srow)]
             for crow, srow, t in zip(counts, share, CLASSES)]
    fig = go.Figure(go.Heatmap(z=share, x=list(CLASSES), y=list(CLASSES), text=text, customdata=hover,
                               texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=1, showscale=False,
                               hovertemplate="true %{y} → predicted %{x}: %{customdata}<extra></extra>"))
    if clickable:
        rows, cols = np.nonzero(counts)
        fig.add_trace(go.Scatter(
            x=[CLASSES[c] for c in cols], y=[CLASSES[r] for r in rows], mode="markers",
            marker=dict(symbol="square", size=height // 8, color="#000", opacity=0.01),
            showlegend=False,
            hovertemplate="true %{y} → predicted %{x}: click to see these beats<extra></extra>"))
        fig.update_layout(clickmode="event+select")
    fig.update_layout(title=title, xaxis_title="predicted", yaxis_title="true", height=height,
                      yaxis=dict(autorange="reversed"), **LAYOUT)
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
                      title=f"{metric} per class", height=height, **LAYOUT)
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
    fig.update_layout(height=height, **LAYOUT)
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
    fig.update_layout(height=height, **LAYOUT)
    return fig


def receptive_field_figure(fields: list[dict], beat_seconds: float, height: int = 340):
    """How much of the beat (seconds) one feature of each CNN layer sees, against the whole beat
    that the LSTM's memory spans."""
    names = [f["layer"] for f in fields] + ["LSTM memory"]
    values = [f["seconds"] for f in fields] + [beat_seconds]
    colors = [registry.color("cnn")] * len(fields) + [registry.color("lstm")]
    fig = go.Figure(go.Bar(y=names[::-1], x=values[::-1], orientation="h", marker_color=colors[::-1],
                           text=[f"{v:.2f} s" for v in values[::-1]], textposition="outside",
                           textfont=dict(size=13), cliponaxis=False))
    fig.add_vline(x=beat_seconds, line_dash="dot", annotation_text="whole beat", annotation_font_size=13)
    fig.update_layout(title="what one feature sees: CNN layers vs the LSTM",
                      xaxis=dict(title="seconds of the beat", range=[0, beat_seconds * 1.18]),
                      yaxis=dict(tickfont=dict(size=13)), height=max(height, 26 * len(names) + 80), **LAYOUT)
    return fig


def click_curve_figure(curves: dict[str, list[dict]], *, height: int = 340):
    """F1 of S and V against clicks of template review, a panel per set, a line per model and
    class (``teaching.review_curves`` rows per model name).

    >>> rows = [{"set": "DS2", "clicks": c, "F1 S": s, "F1 V": 0.9} for c, s in ((0, 0.6), (6, 0.9))]
    >>> fig = click_curve_figure({"robust_lstm": rows})
    >>> [t.name for t in fig.data]
    ['Robust LSTM: S', 'Robust LSTM: V']
    """
    sets = sorted({r["set"] for rows in curves.values() for r in rows})
    fig = make_subplots(rows=1, cols=max(len(sets), 1), subplot_titles=sets, shared_yaxes=True)
    for col, set_name in enumerate(sets, start=1):
        for name, rows in curves.items():
            mine = sorted((r for r in rows if r["set"] == set_name), key=lambda r: r["clicks"])
            for cls, dash in (("S", "solid"), ("V", "dot")):
                fig.add_trace(go.Scatter(x=[r["clicks"] for r in mine], y=[r[f"F1 {cls}"] for r in mine],
                                         mode="lines+markers", name=f"{registry.title(name)}: {cls}",
                                         legendgroup=f"{name}{cls}", showlegend=col == 1,
                                         line=dict(color=registry.color(name), dash=dash),
                                         hovertemplate=f"{registry.title(name)}, {cls}<br>%{{x}} clicks: "
                                                       "F1 %{y:.3f}<extra></extra>"), row=1, col=col)
        fig.update_xaxes(title_text="clicks per recording", row=1, col=col)
    fig.update_yaxes(title_text="F1", range=[0, 1], row=1, col=1)
    fig.update_layout(height=height, **LAYOUT)
    return fig


def bars_figure(frame, x: str, values: list[str], *, where: dict | None = None, height: int = 330):
    """A table's figures as grouped bars a class reads at a glance: a panel per column of
    ``values`` (e.g. "S F1", "V F1"), the categories of column ``x`` along each, a bar per model
    (the frame's "model" column, in each model's colour). ``where``: only the rows whose columns
    have these values (e.g. ``{"scored": "as trained"}``).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"model": ["Robust LSTM", "Robust CNN"], "database": ["DS2", "DS2"],
    ...                       "S F1": [0.6, 0.2], "V F1": [0.8, 0.9]})
    >>> fig = bars_figure(frame, "database", ["S F1", "V F1"])
    >>> [t.name for t in fig.data], fig.layout.annotations[1].text
    (['Robust LSTM', 'Robust CNN', 'Robust LSTM', 'Robust CNN'], 'V F1')
    """
    for column, value in (where or {}).items():
        frame = frame[frame[column] == value]
    colours = {registry.title(n): registry.color(n) for n in registry.MODELS}
    fig = make_subplots(rows=1, cols=len(values), subplot_titles=values, shared_yaxes=True,
                        horizontal_spacing=0.04)
    categories = list(dict.fromkeys(frame[x]))
    for col, value in enumerate(values, start=1):
        if x == "model":        # one bar per model: one trace, each bar in its model's colour
            fig.add_trace(go.Bar(x=categories, y=frame.set_index("model")[value].reindex(categories).tolist(),
                                 marker_color=[colours.get(m, registry.OTHER_COLOR) for m in categories],
                                 showlegend=False, hovertemplate=f"%{{x}}: {value} %{{y:.3f}}<extra></extra>"),
                          row=1, col=col)
            continue
        for model in dict.fromkeys(frame["model"]):
            mine = frame[frame["model"] == model].set_index(x)[value]
            fig.add_trace(go.Bar(x=categories, y=[mine.get(c) for c in categories], name=model,
                                 legendgroup=model, showlegend=col == 1,
                                 marker_color=colours.get(model, registry.OTHER_COLOR),
                                 hovertemplate=f"{model}<br>%{{x}}: {value} %{{y:.3f}}<extra></extra>"),
                          row=1, col=col)
    fig.update_yaxes(range=[0, 1])
    fig.update_xaxes(automargin=True)
    fig.update_layout(barmode="group", height=height, legend=dict(orientation="h", yanchor="bottom", y=1.1, x=0),
                      **{**LAYOUT, "margin": dict(l=10, r=10, t=70, b=10)})
    return fig
