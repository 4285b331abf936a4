"""Does the second lead help? Both leads of a recording scored by the same model, combined.

    python studies/beyond_mitbih/second_lead.py [--seed S] [--variant V]   # one seed's fold models
    python studies/beyond_mitbih/second_lead.py --report                   # mean ± sd over the seeds run

The models read one lead (MIT-BIH's channel 0, MLII). Most Holter and bedside recordings carry
two; a beat that looks normal on one lead may not on the other. The cheapest way to use it needs
no training: score the beats on each lead (at the same annotated marks) and combine the two
probability rows. Measured, out of fold: each svdb-dev record scored by the seed-42 fold model
of ``more_people.py`` (or ``--seed``'s) that did not train on it, and DS1's three validation records (no fold model
trained on them). Rules: channel 0 alone (what ships), channel 1 alone, the mean of the two
rows, their geometric mean (renormalised). DS2 is not read.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from common import database_parser
from more_people import folds, run_folder

from ecgdash.config import SEED, data_dir
from ecgdash.evaluation.metrics import evaluate, macro_nsv
from ecgdash.training.recipes import VAL_RECORDS

NAMES = ("robust_lstm", "robust_cnn")
OUT = data_dir() / "studies" / "second_lead"
FIGURES = ("accuracy", "F1 N", "F1 S", "F1 V", "macro (N, S, V)")
RULES = ("channel 0", "channel 1", "mean", "geometric mean")


def combine(p0: np.ndarray, p1: np.ndarray, rule: str) -> np.ndarray:
    """One probability row per beat from the two leads' rows, by ``rule`` (one of ``RULES``)."""
    if rule == "channel 0":
        return p0
    if rule == "channel 1":
        return p1
    if rule == "mean":
        return (p0 + p1) / 2
    g = np.sqrt(np.clip(p0, 1e-7, 1) * np.clip(p1, 1e-7, 1))
    return g / g.sum(axis=1, keepdims=True)


def both_leads(path: Path, models: dict) -> tuple[np.ndarray, dict]:
    """The reference classes and, per model, (channel 0 rows, channel 1 rows) of one record."""
    from ecgdash.pipeline.record import analyze_record

    first = analyze_record(path, models=models, lead=0, check_quality=False)
    second = analyze_record(path, models=models, lead=1, check_quality=False)
    assert np.array_equal(first.beats.sample, second.beats.sample), path
    return first.reference, {n: (first.probas[n], second.probas[n]) for n in models}


def report() -> None:
    """Each part, model and rule: mean ± sd over the seeds saved in ``OUT``."""
    runs = {path.stem: json.loads(path.read_text()) for path in sorted(OUT.glob("*.json"))}
    print(f"seeds: {', '.join(runs)}")
    for part in next(iter(runs.values())):
        print(f"\n{part}\n| model | rule | " + " | ".join(FIGURES) + " |\n|---|---|" + "---|" * len(FIGURES))
        for n in NAMES:
            for rule in RULES:
                values = np.array([run[part][n][rule] for run in runs.values()])
                cells = [f"{m:.3f} ± {sd:.3f}" for m, sd in zip(values.mean(0), values.std(0, ddof=1))]
                print(f"| {n} | {rule} | " + " | ".join(cells) + " |")


def main(argv=None) -> int:
    from ecgdash.models import store
    from ecgdash.runtime import import_tensorflow_quietly

    parser = database_parser(__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED, help="the fold runs of this seed")
    parser.add_argument("--variant", default="", help="the fold runs of this variant (more_people.py)")
    parser.add_argument("--report", action="store_true", help="the seeds run, mean ± sd")
    args = parser.parse_args(argv)
    if args.report:
        report()
        return 0
    import_tensorflow_quietly()
    svdb, mitdb = Path(args.svdb), Path(args.mitdb)
    parts = {"svdb-dev out of fold": [], "DS1 validation records": []}
    for fold, records in enumerate(folds(svdb)):
        models = {n: store.load_model(n, folder=run_folder(str(fold), args.seed, args.variant)) for n in NAMES}
        parts["svdb-dev out of fold"] += [both_leads(svdb / r, models) for r in records]
        if fold == 0:   # no fold model trained on DS1's validation records: fold 0's scores them
            parts["DS1 validation records"] += [both_leads(mitdb / r, models) for r in VAL_RECORDS]
    figures = {}
    for part, scored in parts.items():
        figures[part] = {n: {} for n in NAMES}
        ref = np.concatenate([s[0] for s in scored])
        known = ref >= 0
        print(f"\n{part}\n| model | rule | accuracy | F1 N | F1 S | F1 V | macro (N, S, V) |\n|---|---|---|---|---|---|---|")
        for n in NAMES:
            for rule in RULES:
                rows = np.concatenate([combine(*s[1][n], rule) for s in scored])
                ev = evaluate(ref[known], rows[known])
                f1 = [ev["per_class"][c]["f1"] for c in "NSV"]
                figures[part][n][rule] = [ev["accuracy"], *f1, macro_nsv(ev)]
                print(f"| {n} | {rule} | {ev['accuracy']:.4f} | " + " | ".join(f"{v:.3f}" for v in f1)
                      + f" | {macro_nsv(ev):.3f} |")
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"{args.seed}" + (f"-{args.variant}" if args.variant else "")
    (OUT / f"{name}.json").write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
