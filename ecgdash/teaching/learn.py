"""Teaching numbers computed from the real models and their cards (the Learn page).

- ``receptive_fields(model)``: how many beat samples each convolution/pooling layer sees;
- ``epochs_to_converge(card)``: epochs until validation macro-F1 came within 1 % of its best;
- ``class_winners(evals)``: which model has the better F1, class by class, where the
  difference is larger than its bootstrap spread ("about the same" otherwise);
- ``adaptation_effects(card)``: what adapting to each recording did to a model's F1 per class,
  on DS2 and on another database, as its card records it;
"""
from __future__ import annotations

from ecgdash.config import BEAT_FS, BEAT_LEN, CLASSES
from ecgdash.evaluation.metrics import f1_difference, macro_nsv
from ecgdash.models import registry

#: Plain-words meanings of the terms the pages use (``dashboard.blocks.glossary`` shows the ones
#: a page needs, where they appear).
GLOSSARY = {
    "intra-patient": "Beats of the same people on both sides: the Kaggle split shuffles every "
                     "beat of all 48 records into train and test at random, so a model is tested "
                     "on other beats of people it already knows.",
    "inter-patient": "Train on some people, test on others (de Chazal 2004): the situation of a "
                     "new patient in a clinic, and much harder.",
    "DS1 / DS2": "The two halves of the inter-patient split: 22 MIT-BIH records to train on (DS1), "
                 "22 other records to test on (DS2); the 4 paced records are left out.",
    "macro-F1": "The F1 score (the balance of precision and recall) of each class, averaged with "
                "equal weight per class: a model that calls every beat N scores about 0.19, "
                "even with 90 % accuracy. Plain \"macro-F1\" averages every class with beats in the "
                "test set (all five on MIT-BIH); \"macro-F1 (N, S, V)\" averages those three only, the "
                "classes every database has.",
    "ROC-AUC": "How well a model ranks the beats of one class above the others, over every "
               "threshold: 1.0 is perfect, 0.5 is guessing.",
    "SNR (dB)": "Signal-to-noise ratio: how much stronger the ECG is than the added noise. "
                "12 dB is a noisy ambulatory recording; every 6 dB less doubles the noise's amplitude.",
    "MLII": "Modified limb lead II, the first channel of MIT-BIH: the lead the models were "
            "trained on. Lead II of a 12-lead ECG and a watch's lead I look the most like it.",
    "any-rate path": "How beats are cut from a recording at any sampling rate (128, 250, 500 Hz "
                     "...): the beat is read 1/120 s apart, as the Kaggle rows were from 360 Hz, "
                     "so the models see the same layout whatever the device.",
    "adaptation": "Scoring a recording by the person's own share of N, S and V beats, estimated "
                  "from the models' calls on that recording alone; no label is read.",
}


def receptive_fields(layers_or_model) -> list[dict]:
    """Receptive field (in samples and seconds) after each Conv1D / pooling layer, in order.

    Uses r_out = r_in + (kernel - 1) * jump_in and jump_out = jump_in * stride, over the layers
    in the order Keras lists them (the residual blocks' 1x1 projections add nothing).
    """
    layers = getattr(layers_or_model, "layers", layers_or_model)
    r, jump, rows = 1, 1, []
    for layer in layers:
        kind = type(layer).__name__
        if kind == "Conv1D":
            k, s, d = layer.kernel_size[0], layer.strides[0], layer.dilation_rate[0]
        elif kind in ("MaxPooling1D", "AveragePooling1D"):
            k, s, d = layer.pool_size[0], layer.strides[0], 1
        else:
            continue
        if k == 1 and s == 1:
            continue
        r = r + (k - 1) * d * jump
        jump *= s
        rows.append({"layer": layer.name, "type": kind, "samples": min(r, BEAT_LEN),
                     "seconds": round(min(r, BEAT_LEN) / BEAT_FS, 3), "step": jump})
    return rows


def epochs_to_converge(card: dict, metric: str = "val_macro_f1", within: float = 0.01) -> int | None:
    """First epoch whose ``metric`` is within ``within`` (relative) of the best epoch's."""
    history = card.get("history") or []
    values = [h.get(metric) for h in history if h.get(metric) is not None]
    if not values:
        return None
    best = max(values)
    for h in history:
        if h.get(metric) is not None and h[metric] >= best * (1 - within):
            return int(h["epoch"])
    return None


def class_winners(evals: dict[str, dict], *, n_boot: int = 2000, seed: int = 0) -> list[dict]:
    """Per class: each model's F1 and whether one is better by more than chance.

    A model "wins" a class only when the bootstrap interval of the F1 difference
    (``evaluation.f1_difference``, 95 %, the beats drawn again class by class) excludes zero;
    otherwise the row says "about the same". Needs the two evaluations' confusion matrices
    (on the same test beats).

    Returns
    -------
    list of dict
        One row per class: each model's F1, ``difference`` (first minus second), its 95 %
        interval, ``verdict`` (the better model's title, or "about the same") and ``support``.
    """
    (a, ev_a), (b, ev_b) = list(evals.items())[:2]
    diffs = f1_difference(ev_a["confusion"], ev_b["confusion"], n_boot=n_boot, seed=seed)
    rows = []
    for c in CLASSES:
        d = diffs[c]
        if d["low"] > 0:
            verdict = f"{registry.title(a)} better"
        elif d["high"] < 0:
            verdict = f"{registry.title(b)} better"
        else:
            verdict = "about the same"
        rows.append({"class": c, registry.title(a): round(ev_a["per_class"][c]["f1"], 4),
                     registry.title(b): round(ev_b["per_class"][c]["f1"], 4),
                     "difference": round(d["difference"], 4),
                     "95% interval": f"{d['low']:+.3f} to {d['high']:+.3f}",
                     "verdict": verdict, "support": ev_a["per_class"][c]["support"]})
    return rows


def adaptation_effects(card: dict) -> list[dict]:
    """What adapting to each recording changed, per test set the card scored both ways: DS2
    (``evaluation`` and ``evaluation_adapted``) and each database of ``card["databases"]`` that
    holds an ``adapted`` evaluation. One row per set: F1 of N, S and V and their mean, before
    and after.

    Examples
    --------
    >>> ev = lambda n, s, v: {"per_class": {"N": {"f1": n}, "S": {"f1": s}, "V": {"f1": v}}}
    >>> card = {"evaluation": ev(0.9, 0.6, 0.8), "evaluation_adapted": ev(0.9, 0.75, 0.7)}
    >>> row = adaptation_effects(card)[0]
    >>> row["set"], row["S before"], row["S after"]
    ('DS2', 0.6, 0.75)
    """
    pairs = []
    if card.get("evaluation") and card.get("evaluation_adapted"):
        pairs.append(("DS2", card["evaluation"], card["evaluation_adapted"]))
    for name, entry in (card.get("databases") or {}).items():
        if entry.get("adapted") and entry.get("per_class"):
            out_of_fold = str(entry.get("protocol", "")).startswith("out of fold")
            pairs.append((f"{name} (out of fold)" if out_of_fold else name, entry, entry["adapted"]))
    rows = []
    for name, before, after in pairs:
        row = {"set": name}
        for c in "NSV":
            row[f"{c} before"] = before["per_class"][c]["f1"]
            row[f"{c} after"] = after["per_class"][c]["f1"]
        row["macro before"], row["macro after"] = macro_nsv(before), macro_nsv(after)
        rows.append(row)
    return rows


def adaptation_elsewhere(cards: dict[str, dict]) -> str:
    """What adapting did on another database, in words, from each card's out-of-fold figures
    (``adaptation_effects``); "" when no card holds them.

    Examples
    --------
    >>> ev = lambda f: {"per_class": {c: {"f1": f} for c in "NSV"}}
    >>> db = {"protocol": "out of fold: ...", **ev(0.77), "adapted": ev(0.72)}
    >>> adaptation_elsewhere({"robust_lstm": {"databases": {"svdb-dev": db}}})
    'macro-F1 of N, S, V 0.77 to 0.72 for the Robust LSTM on svdb-dev (out of fold)'
    """
    parts = [f"{row['macro before']:.2f} to {row['macro after']:.2f} for the {registry.title(name)} on {row['set']}"
             for name, card in cards.items() for row in adaptation_effects(card) if row["set"] != "DS2"]
    return "macro-F1 of N, S, V " + "; ".join(parts) if parts else ""


def adaptation_verdict(rows: list[dict]) -> dict[str, list[str]]:
    """Which ``adaptation_effects`` rows adapting raised the mean F1 of N, S and V and which it
    lowered (a row with a ``model`` key is named "model on set").

    Examples
    --------
    >>> rows = [{"model": "CNN", "set": "DS2", "macro before": 0.7, "macro after": 0.75},
    ...         {"model": "CNN", "set": "svdb", "macro before": 0.7, "macro after": 0.6}]
    >>> adaptation_verdict(rows)
    {'raised': ['CNN on DS2'], 'lowered': ['CNN on svdb']}
    """
    def name(row):
        return f"{row['model']} on {row['set']}" if "model" in row else row["set"]

    return {"raised": [name(r) for r in rows if r["macro after"] > r["macro before"]],
            "lowered": [name(r) for r in rows if r["macro after"] < r["macro before"]]}


def review_curves(card: dict) -> list[dict]:
    """What a few clicks of template review did to a model, as its card records it (``review``,
    from ``studies/template_review/click_curves.py``): a row per set and click budget with
    accuracy, F1 of N, S and V and the share of beats a label reached.

    >>> card = {"review": {"DS2": {"clicks": {"0": {"accuracy": 0.9, "N": 0.9, "S": 0.5, "V": 0.8,
    ...                                             "beats": 10, "reached": 0.0}}}}}
    >>> review_curves(card)[0]["set"], review_curves(card)[0]["clicks"]
    ('DS2', 0)
    """
    rows = []
    for set_name, entry in (card.get("review") or {}).items():
        for clicks, v in entry.get("clicks", {}).items():
            rows.append({"set": set_name, "clicks": int(clicks), "accuracy": v["accuracy"],
                         "F1 N": v["N"], "F1 S": v["S"], "F1 V": v["V"], "reached": v.get("reached")})
    return sorted(rows, key=lambda r: (r["set"], r["clicks"]))
