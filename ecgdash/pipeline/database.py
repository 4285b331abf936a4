"""Score models on any folder of annotated WFDB records: another database, at any rate.

Each record is analysed as the Recordings page would (``analyze_record``: beats at the
annotated positions, cut by the any-rate path), every model scores every beat as trained and
adapted to the record, and the reference labels are pooled over the records:

    scores = evaluate_database("../shared/data/svdb-dev", ["robust_lstm", "robust_cnn"])
    scores["robust_lstm"]["as trained"]["per_class"]["S"]["f1"]

``python -m ecgdash evaluate --database DIR`` prints the table; ``--save NAME`` stores the
as-trained evaluation in each card under ``databases[NAME]`` (the trust sentence quotes it for
recordings from outside MIT-BIH).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ecgdash.config import CLASSES
from ecgdash.datasets.mitbih import list_records
from ecgdash.errors import DataError
from ecgdash.evaluation.metrics import evaluate, macro_nsv
from ecgdash.pipeline.record import analyze_record

WAYS = ("as trained", "adapted")


def evaluate_database(folder, models: dict, *, records=None,
                      progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Each model's evaluation on the annotated beats of the records in ``folder``, pooled.

    Parameters
    ----------
    folder : str or Path
        A folder of WFDB records with ``.atr`` annotations (any sampling rate).
    models : dict
        Model name -> loaded model.
    records : sequence of str, optional
        Which records (default: all, ``dataset.list_records``).
    progress : callable, optional
        Called with (done, total, record name).

    Returns
    -------
    dict
        Model name -> ``{"as trained": ev, "adapted": ev, "records": [...], "seen": share}``,
        where each ``ev`` is ``evaluation.evaluate`` of the pooled beats (beats without an
        AAMI label left out).
    """
    folder = Path(folder)
    names = list(records) if records else list_records(folder)
    labels, scores, seen_beats = [], {n: {w: [] for w in WAYS} for n in models}, {n: [] for n in models}
    for i, name in enumerate(names):
        result = analyze_record(folder / name, models=models, use_annotations=True,
                                check_quality=False, adapt=True)
        known = result.reference >= 0
        labels.append(result.reference[known])
        for model in models:
            plain = result.unadapted.get(model, result.probas[model])
            scores[model]["as trained"].append(plain[known])
            scores[model]["adapted"].append(result.probas[model][known])
            seen_beats[model].append((result.seen.get(model) or 0.0) * len(result.beats))
        if progress:
            progress(i + 1, len(names), name)
    if not labels:
        raise DataError(f"No annotated records in {folder}.")
    y = np.concatenate(labels)
    total = sum(len(lab) for lab in labels)
    out = {}
    for model in models:
        out[model] = {way: evaluate(y, np.concatenate(scores[model][way])) for way in WAYS}
        out[model]["records"] = names
        out[model]["seen"] = float(sum(seen_beats[model]) / total) if total else 0.0
    return out


def format_database(scores: dict, title: str) -> str:
    """A table per model and way: sensitivity, positive predictivity and F1 of each class
    with reference beats, then accuracy and macro-F1 (N, S, V)."""
    lines = [title]
    for model, result in scores.items():
        for way in WAYS:
            ev = result[way]
            lines.append(f"  {model}, {way}: accuracy {ev['accuracy']:.4f}, macro-F1 (N, S, V) "
                         f"{macro_nsv(ev):.4f}, {ev['n']:,} beats")
            for c in CLASSES:
                m = ev["per_class"][c]
                if m["support"]:
                    lines.append(f"    {c}: Se {m['recall']:.3f}  +P {m['precision']:.3f}  "
                                 f"F1 {m['f1']:.3f}  ({m['support']:,} beats)")
    return "\n".join(lines)

