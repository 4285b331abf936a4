"""Tables shown on the pages and printed by the command line, built from evaluations and cards.

- ``report_frame(ev)``: the reference study's report (per-class precision / recall / F1 /
  support / ROC-AUC, accuracy, macro and weighted averages);
- ``results_rows(cards)``: each card's headline results on its own test set;
- ``robustness_table(cards)``: the DS2 robustness table stored in the cards.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecgdash.errors import DataError
from ecgdash.models import registry

#: The column of ``evaluate``'s macro-F1 (every class with beats in the test set: all five on
#: MIT-BIH), named apart from "macro-F1 (N, S, V)", the three classes every database has.
MACRO = "macro-F1 (all classes)"


def records_words(records) -> str:
    """``["119", "208"]`` -> "2 records: 119, 208"; more than eight: "22 records"."""
    records = list(records or [])
    if not records:
        return "no named records"
    n = f"{len(records)} record{'s' if len(records) != 1 else ''}"
    return f"{n}: {', '.join(map(str, records))}" if len(records) <= 8 else n


def trained_on(card: dict) -> str:
    """What a card's model was trained on, in words, from the card's own facts (beats, records,
    split, recipe): never from its name.

    Examples
    --------
    >>> trained_on({"split": "intra", "recipe": "reference", "train_rows": {"rows": 1325},
    ...             "data": {"records": ["119", "208", "213", "232"]}})
    '1,325 beats (4 records: 119, 208, 213, 232; intra-patient split; reference recipe)'
    >>> trained_on({"recipe": "robust", "train_rows": {"rows": 900}, "data": {"databases": {
    ...     "mitdb": {"train_records": ["119"], "val_records": ["208"]},
    ...     "svdb-dev": {"train_records": ["800", "801"], "val_records": ["802"]}}}})
    '900 beats (5 records: 2 of DS1, 3 of svdb-dev; patient-wise, augmented)'
    """
    data = card.get("data") or {}
    rows = (card.get("train_rows") or {}).get("rows") or data.get("used_beats") or data.get("train_beats")
    beats = f"{rows:,} beats" if rows else "beats"
    if card.get("recipe") == "robust":
        databases = data.get("databases") or {}
        if len(databases) > 1:       # the first is the MIT-BIH folder the DS1 records came from
            parts = [f"{len(d.get('train_records', [])) + len(d.get('val_records', [])):,} of "
                     f"{'DS1' if i == 0 else label}" for i, (label, d) in enumerate(databases.items())]
            total = sum(len(d.get("train_records", [])) + len(d.get("val_records", [])) for d in databases.values())
            return f"{beats} ({total} records: {', '.join(parts)}; patient-wise, augmented)"
        records = list(data.get("train_records") or []) + list(data.get("val_records") or [])
        return f"{beats} ({records_words(records)} of DS1; patient-wise, augmented)"
    try:
        split = registry.Split.parse(card.get("split"))
    except DataError:
        return f"{beats} ({card.get('split', 'unknown split')})"
    records = data.get("records")
    if records is None:
        return f"{split.train_set}: {beats}"
    how = "intra-patient split" if split is registry.Split.INTRA else "inter-patient split"
    return f"{beats} ({records_words(records)}; {how}; {card.get('recipe', 'reference')} recipe)"


def scored_on(ev: dict) -> str:
    """What an evaluation was computed on, in words (its beats, test set and records)."""
    records = ev.get("test_records")
    where = f"; {records_words(records)}" if records else ""
    return f"{ev['n']:,} beats ({ev.get('test_set', 'test set')}{where})"


def same_test_beats(evals: dict[str, dict]) -> bool:
    """Were all these evaluations computed on the same beats? Known from their ``test_sha256``;
    evaluations without one count as the same only with the same test set and beat count."""
    keys = {(ev.get("test_sha256") or f"{ev.get('test_set')}:{ev.get('n')}") for ev in evals.values()}
    return len(keys) <= 1


def report_frame(ev: dict) -> pd.DataFrame:
    """The reference study's report table: precision / recall / F1 / support (and AUC) per class,
    then accuracy, macro avg, weighted avg. A class without beats in the test set has no recall
    or F1 (NaN): the macro average is of the classes present."""
    rows = []
    called = np.asarray(ev["confusion"]).sum(axis=0) if ev.get("confusion") is not None else None
    for k, (name, m) in enumerate(ev["per_class"].items()):
        # a class without a beat in the file has no recall or F1 (and no precision when the
        # model called none): NaN, shown as "n/a", not 0, which the macro average leaves out too
        none_called = called is not None and called[k] == 0
        rows.append({"": name, "precision": np.nan if not m["support"] and none_called else m["precision"],
                     "recall": m["recall"] if m["support"] else np.nan,
                     "f1": m["f1"] if m["support"] else np.nan, "support": m["support"], "roc_auc": m["auc"]})
    rows.append({"": "accuracy", "precision": None, "recall": None, "f1": ev["accuracy"],
                 "support": ev["n"], "roc_auc": None})
    for key, label in (("macro_avg", "macro avg"), ("weighted_avg", "weighted avg")):
        m = ev[key]
        rows.append({"": label, "precision": m["precision"], "recall": m["recall"], "f1": m["f1"],
                     "support": m["support"], "roc_auc": ev["roc_auc"] if key == "macro_avg" else None})
    return pd.DataFrame(rows).set_index("")


def results_rows(cards: dict[str, dict]) -> list[dict]:
    """One row per card with an evaluation: what it was trained and tested on, beats, accuracy,
    macro-F1, S and V F1, macro ROC-AUC (the Compare and Learn pages' intra vs inter table)."""
    rows = []
    for name, card in cards.items():
        ev = card.get("evaluation")
        if not ev:
            continue
        rows.append({"model": registry.title(name), "trained on": trained_on(card),
                     "tested on": ev.get("test_set"), "beats": ev["n"],
                     "accuracy": round(ev["accuracy"], 4), MACRO: round(ev["macro_f1"], 4),
                     "S F1": round(ev["per_class"]["S"]["f1"], 3),
                     "V F1": round(ev["per_class"]["V"]["f1"], 3),
                     "ROC-AUC": round(ev["roc_auc"], 4)})
    return rows


#: How a robustness condition is named on a page (the cards keep their keys): "lead 1" counts
#: from 0, the second lead, which a reader takes for limb lead I.
CONDITION_WORDS = {"DS2 lead 1": "DS2, second lead (V1/V2/V4/V5)"}


def robustness_table(cards: dict[str, dict]) -> pd.DataFrame:
    """The robustness table of the cards that hold one: a row per (model, condition, way of
    scoring): as trained (``robustness``) and, where the card has it, each DS2 record adapted
    to itself (``robustness_adapted``, ``evaluate --robustness --adapt``)."""
    rows = []
    for name, card in cards.items():
        ways = (("as trained", card.get("robustness")), ("adapted", card.get("robustness_adapted")))
        for way, table in ways:
            for condition, m in (table or {}).items():
                rows.append({"model": registry.title(name), "trained on": trained_on(card),
                             "condition": CONDITION_WORDS.get(condition, condition), "scored": way,
                             "accuracy": m["accuracy"], MACRO: m["macro_f1"],
                             "loss of macro-F1": m["macro_f1_loss"], "S F1": m["S_f1"],
                             "V F1": m["V_f1"]})
    return pd.DataFrame(rows)


def adaptation_table(cards: dict[str, dict]) -> pd.DataFrame:
    """Each card's test-set scores as trained and adapted to each record (``evaluation_adapted``,
    written by ``evaluate --adapt``): a row per (model, way)."""
    rows = []
    for name, card in cards.items():
        pairs = (("as trained", card.get("evaluation")), ("adapted to each record", card.get("evaluation_adapted")))
        if pairs[1][1] is None or pairs[0][1] is None:
            continue
        for way, ev in pairs:
            rows.append({"model": registry.title(name), "test set": ev.get("test_set", ""), "scored": way,
                         "accuracy": ev["accuracy"], MACRO: ev["macro_f1"],
                         "S F1": ev["per_class"]["S"]["f1"], "V F1": ev["per_class"]["V"]["f1"]})
    return pd.DataFrame(rows)


def databases_table(cards: dict[str, dict]) -> pd.DataFrame:
    """New people on MIT-BIH (DS2, the card's evaluation when it is DS2) beside the other
    databases the cards were scored on (``databases``, ``ecgdash evaluate database --save``):
    a row per (model, database) with how it was scored, beats, accuracy, F1 of N, S and V and
    their mean. *Scored*: "people it never trained on", or the card's ``protocol`` (up to its
    colon, e.g. "out of fold") for a figure of a database the model trained on.

    Examples
    --------
    >>> ev = {"n": 10, "accuracy": 0.9, "test_set": "DS2",
    ...       "per_class": {c: {"f1": f} for c, f in zip("NSVFQ", (0.9, 0.5, 0.8, 0.0, 0.0))}}
    >>> databases_table({"robust_cnn": {"evaluation": ev, "databases": {"svdb-dev": ev}}})["database"].tolist()
    ['DS2 (MIT-BIH)', 'svdb-dev']
    """
    rows = []
    for name, card in cards.items():
        sources = []
        if (card.get("evaluation") or {}).get("test_set") == "DS2":
            sources.append(("DS2 (MIT-BIH)", card["evaluation"]))
        sources += list((card.get("databases") or {}).items())
        for database, ev in sources:
            f1 = [ev["per_class"][c]["f1"] for c in "NSV"]
            rows.append({"model": registry.title(name), "database": database,
                         "scored": (ev.get("protocol") or "people it never trained on").split(":")[0],
                         "beats": ev["n"],
                         "accuracy": ev["accuracy"], "N F1": f1[0], "S F1": f1[1], "V F1": f1[2],
                         "macro-F1 (N, S, V)": sum(f1) / 3})
    return pd.DataFrame(rows)


def format_curve(curve: dict) -> str:
    """The simulated reader's figures (``review.reader.review_database``) as a text table: a row
    per model and click budget: accuracy, F1 of N, S and V, the share of beats a label reached."""
    lines = [f"{'model':<16} {'clicks':>6} {'accuracy':>9} {'F1 N':>6} {'F1 S':>6} {'F1 V':>6} {'reached':>8} {'beats':>8}"]
    for name, rows in curve.items():
        for b, v in rows.items():
            lines.append(f"{name:<16} {b:>6} {v['accuracy']:>9.4f} {v['N']:>6.3f} {v['S']:>6.3f} {v['V']:>6.3f} "
                         f"{v['reached']:>8.1%} {v['beats']:>8,}")
    return "\n".join(lines)


def review_f1_table(before, after) -> pd.DataFrame | None:
    """Each model's F1 of N, S and V against the reference labels, before a person's labels
    (``before``, a ``RecordAnalysis``) and after (``after``, the reviewed one); None without
    reference labels. A class without reference beats has no F1 (NaN)."""
    if before.reference is None:
        return None
    known = (before.reference >= 0) & before.readable
    if not known.any():
        return None
    y = before.reference[known]
    rows = []
    for name in before.probas:
        row = {"model": registry.title(name)}
        for when, result in (("before", before), ("after", after)):
            called = result.probas[name][known].argmax(axis=1)
            for k, c in enumerate("NSV"):
                hit, true, said = ((y == k) & (called == k)).sum(), (y == k).sum(), (called == k).sum()
                row[f"F1 {c} {when}"] = 2 * hit / (true + said) if true else np.nan
        rows.append(row)
    order = ["model"] + [f"F1 {c} {w}" for c in "NSV" for w in ("before", "after")]
    return pd.DataFrame(rows)[order]
