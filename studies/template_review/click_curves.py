"""Template review measured with a simulated reader: each model's figures after 0-24 clicks per
recording, on DS2 (the shipped pair, which never saw these people) and on svdb-dev out of fold
(each record reviewed with the fold models that never saw it), and the zero-click option.

    python studies/template_review/click_curves.py ds2          # 22 DS2 records, shipped pair (2 min)
    python studies/template_review/click_curves.py svdb         # 39 svdb-dev records, fold models (3 min)
    python studies/template_review/click_curves.py --zero       # cluster smoothing, no click (from cache.py's files)
    python studies/template_review/click_curves.py --report     # the tables, from the saved runs
    python studies/template_review/click_curves.py --save       # into the shipped cards, as review[set]

The reader is the library's (``ecgdash.review.reader``): each proposed question answered with
the majority reference label of its beats. The svdb-dev runs need the seed-42 fold models of
``studies/beyond_mitbih/more_people.py --fold 0`` and ``--fold 1``; the zero-click screen needs
``cache.py ds1``, ``svdb-fold`` and ``ds2``. Runs go to ``data/studies/template_review/``.
"""
from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "studies" / "beyond_mitbih"))

from ecgdash.config import DS2  # noqa: E402
from ecgdash.ecg.clusters import CLUSTERS, cluster_beats  # noqa: E402
from ecgdash.evaluation.metrics import evaluate, pool_confusions  # noqa: E402
from ecgdash.review.calls import SMOOTHING, cluster_smoothed  # noqa: E402
from ecgdash.review.reader import READER, review_database  # noqa: E402

OUT = ROOT / "data" / "studies" / "template_review"
SHARED = ROOT.parent / "shared" / "data"
MODELS = ("robust_lstm", "robust_cnn")
CLICKS = (0, 3, 6, 12, 24)
PROTOCOLS = {
    "DS2": "22 MIT-BIH people none of the shipped models trained on (DS2), the shipped pair",
    "svdb-dev": "39 svdb development records out of fold: each scored and reviewed with a model of the same "
                "recipe trained on DS1 and the other half of svdb-dev, never on that record",
}


def figures(ev: dict) -> dict:
    return {"accuracy": ev["accuracy"], **{c: ev["per_class"][c]["f1"] for c in "NSV"}, "beats": int(ev["n"]),
            "confusion": ev["confusion"]}


def run(which: str) -> None:
    from more_people import folds, run_folder

    from ecgdash.models import store
    from ecgdash.runtime import import_tensorflow_quietly

    import_tensorflow_quietly()
    t = time.perf_counter()
    if which == "ds2":
        models = {n: store.load_model(n) for n in MODELS}
        curve = review_database(SHARED / "mitdb", models, clicks=CLICKS, records=DS2)
        parts = [curve]
    else:
        parts = []
        for fold, records in enumerate(folds(SHARED / "svdb-dev")):
            models = {n: store.load_model(n, folder=run_folder(str(fold))) for n in MODELS}
            parts.append(review_database(SHARED / "svdb-dev", models, clicks=CLICKS, records=records))
    pooled = {m: {str(b): {**figures(pool_confusions([p[m][b]["confusion"] for p in parts])),
                           "reached": float(np.average([p[m][b]["reached"] for p in parts],
                                                       weights=[p[m][b]["beats"] for p in parts]))}
                  for b in CLICKS} for m in MODELS}
    OUT.mkdir(parents=True, exist_ok=True)
    name = "DS2" if which == "ds2" else "svdb-dev"
    (OUT / f"curve_{name}.json").write_text(json.dumps({"protocol": PROTOCOLS[name], "reader": READER,
                                                        "clusters": CLUSTERS, "seconds": time.perf_counter() - t,
                                                        "curve": pooled}, indent=1))
    print(f"{name}: {time.perf_counter() - t:.0f} s")
    report()


def report() -> None:
    for path in sorted(OUT.glob("curve_*.json")):
        run_ = json.loads(path.read_text())
        print(f"\n{path.stem[6:]} ({run_['protocol']}; {run_['seconds']:.0f} s)\n")
        print("| model | clicks | accuracy | F1 N | F1 S | F1 V | labels reached |\n|---|---|---|---|---|---|---|")
        for m, rows in run_["curve"].items():
            for b, v in rows.items():
                print(f"| {m} | {b} | {v['accuracy']:.4f} | {v['N']:.3f} | {v['S']:.3f} | {v['V']:.3f} | "
                      f"{v['reached']:.1%} |")


def zero(weights=(0.25, SMOOTHING, 0.75, 1.0)) -> None:
    """Cluster smoothing without labels, from cache.py's files: mean F1 of N, S, V as the models
    are and smoothed, per set and model; records on which a class the model called 20+ times
    disappears ("erased")."""
    print("| set | model | weight | accuracy | F1 N | F1 S | F1 V | mean | records with a class erased |")
    print("|---|---|---|---|---|---|---|---|---|")
    for set_name in ("ds1", "svdb-fold", "ds2"):
        files = sorted(glob.glob(str(OUT / set_name / "*.npz")))
        if not files:
            print(f"| {set_name} | (no cache: python studies/template_review/cache.py {set_name}) |")
            continue
        records = [dict(np.load(f)) for f in files]
        groups = [cluster_beats(d["signal"], float(d["fs"]), d["marks"], k=CLUSTERS).cluster for d in records]
        for m in MODELS:
            for w in (0.0,) + tuple(weights):
                truth, calls, erased = [], [], 0
                for d, g in zip(records, groups):
                    p = d[f"{m}_proba"]
                    q = cluster_smoothed({m: p}, g, weight=w)[m] if w else p
                    own, now = p.argmax(axis=1), q.argmax(axis=1)
                    erased += any((own == c).sum() >= 20 and (now == c).sum() == 0 for c in range(5))
                    known = d["y"] >= 0
                    truth.append(d["y"][known])
                    calls.append(now[known])
                ev = evaluate(np.concatenate(truth), np.eye(5)[np.concatenate(calls)])
                f1 = [ev["per_class"][c]["f1"] for c in "NSV"]
                print(f"| {set_name} | {m} | {w:g} | {ev['accuracy']:.4f} | {f1[0]:.3f} | {f1[1]:.3f} | {f1[2]:.3f} "
                      f"| {np.mean(f1):.3f} | {erased} |")


def save() -> None:
    """Each shipped card gets ``review``: {set: {"protocol", "reader", "clicks": {b: figures}}}."""
    from ecgdash.models import store

    runs = {p.stem[6:]: json.loads(p.read_text()) for p in sorted(OUT.glob("curve_*.json"))}
    for m in MODELS:
        review = {name: {"protocol": r["protocol"], "reader": r["reader"], "clusters": r["clusters"],
                         "clicks": {b: {k: v[k] for k in ("accuracy", "N", "S", "V", "beats", "reached")}
                                    for b, v in r["curve"][m].items()}}
                  for name, r in runs.items()}
        store.update_card(m, {"review": review})
        print(f"stored review[{', '.join(review)}] in the card of {m}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", nargs="?", choices=["ds2", "svdb"])
    parser.add_argument("--zero", action="store_true")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args(argv)
    if args.set:
        run(args.set)
    if args.zero:
        zero()
    if args.report:
        report()
    if args.save:
        save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
