"""What else the template review could do, measured the same way (the simulated reader) on the
records that choose (DS1 with the shipped pair, svdb-dev out of fold with the fold models),
never on DS2.

    python studies/template_review/alternatives.py [--sets ds1,svdb-fold] [--only NAME,...]

Each variant changes one thing of the shipped review (``ecgdash.review``: 6 clusters of
``cluster_beats``, questions of ``next_questions`` with outliers, a person's label wins):

- ``k=4`` ... ``k=12``: clusters per recording;
- ``no outliers``: no question about the beats that fit their cluster worst;
- ``models override (0.05)``: a cluster's label is a prior, not a label: a model keeps its own
  call where it gives another class more than 20 times the label's probability (answers to
  splits stay labels);
- ``joint groups``: the clusters cut by both models' calls (cluster x LSTM call x CNN call);
- ``feature clusters``: clusters in the models' own feature space (both models' features, PCA,
  and the two timing features), not in the beat's shape;
- ``auto split``: each labelled cluster's smaller k-means half (``split_group``) asked too,
  scored like a split (the models' doubt).

Reads ``cache.py``'s files (``ds1``, ``svdb-fold``).
"""
from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "studies" / "template_review"))

from click_curves import MODELS, OUT  # noqa: E402

from ecgdash.ecg.clusters import cluster_beats, split_group, timing_features  # noqa: E402
from ecgdash.evaluation.metrics import evaluate  # noqa: E402
from ecgdash.review.calls import reviewed_proba  # noqa: E402
from ecgdash.review.questions import Question, next_questions  # noqa: E402
from ecgdash.review.reader import majority  # noqa: E402
from ecgdash.review.session import Review  # noqa: E402

CLICKS = (3, 6, 12, 24)


def feature_clusters(d: dict, k: int = 6, seed: int = 0) -> np.ndarray:
    parts = [(d[f"{m}_features"] - d[f"{m}_features"].mean(0)) / (d[f"{m}_features"].std() + 1e-9) for m in MODELS]
    reduced = PCA(min(10, len(parts[0]) - 1), random_state=seed).fit_transform(np.hstack(parts))
    reduced /= reduced[:, 0].std() or 1.0
    timing = timing_features(d["marks"], float(d["fs"]))
    x = np.hstack([reduced, (timing - timing.mean(0)) / (timing.std(0) + 1e-9) / np.sqrt(reduced.shape[1])])
    raw = KMeans(k, n_init=4, random_state=seed).fit_predict(x)
    order = np.argsort(-np.bincount(raw, minlength=k), kind="stable")
    return np.argsort(order)[raw]


def auto_splits(review: Review, groups, probas: dict, memo: dict) -> list:
    labels, doubt, out = review.labels, np.mean([1 - p for p in probas.values()], axis=0), []
    for c in range(groups.k):
        for now in np.unique(labels[(groups.cluster == c) & (labels >= 0)]):
            index = np.flatnonzero((groups.cluster == c) & (labels == now))
            if len(index) < 8:
                continue
            key = (c, int(now), len(index))
            if key not in memo:
                memo[key] = split_group(groups.features, index)[1]
            part = memo[key]
            name = f"auto {c} {now} ({len(part)})"
            if len(part) and name not in review.asked:
                out.append(Question(name, "split", part, int(c), int(now), {}, float(doubt[part, now].sum()), ""))
    return out


def overridden(probas: dict, review: Review, eps: float) -> dict:
    """A cluster answer as a prior: the model keeps a call it is sure of; other answers win."""
    soft, hard = np.full(review.n_beats, -1), np.full(review.n_beats, -1)
    for a in review.answers:
        if a.label >= 0:
            (soft if a.kind == "cluster" else hard)[list(a.beats)] = a.label
            if a.kind == "cluster":
                hard[list(a.beats)] = -1
    out = {}
    for m, p in probas.items():
        call = p.argmax(1)
        s = soft >= 0
        w = np.full((int(s.sum()), 5), eps)
        w[np.arange(int(s.sum())), soft[s]] = 1.0
        call[s] = (p[s] * w).argmax(1)
        out[m] = np.eye(5)[np.where(hard >= 0, hard, call)]
    return out


def run(d: dict, variant: str) -> dict:
    """Budget -> each model's (n, 5) calls after the simulated reader's clicks."""
    k = int(variant[2:]) if variant.startswith("k=") else 6
    groups = cluster_beats(d["signal"], float(d["fs"]), d["marks"], k=k)
    clusters = groups.cluster
    if variant == "feature clusters":
        clusters = feature_clusters(d)
    probas = {m: d[f"{m}_proba"] for m in MODELS}
    if variant == "joint groups":
        key = clusters * 25 + probas[MODELS[0]].argmax(1) * 5 + probas[MODELS[1]].argmax(1)
        clusters = np.unique(key, return_inverse=True)[1]
    shapes = None if variant in ("no outliers", "feature clusters", "joint groups") else groups.shapes
    y, review, memo, out = d["y"], Review(len(d["y"])), {}, {}
    for budget in CLICKS:
        while review.clicks < budget:
            asked = next_questions(review, clusters, probas, shapes=shapes)
            if variant == "auto split":
                asked = sorted(asked + auto_splits(review, groups, probas, memo),
                               key=lambda q: (-q.score, -q.size, q.cluster))
            if not asked:
                break
            q = asked[0]
            review = review.answer(q.beats, majority(y, q.beats), key=q.key, kind=q.kind)
        out[budget] = (overridden(probas, review, 0.05) if variant.startswith("models override")
                       else reviewed_proba(probas, review.labels))
    return out


def purity(records: list, k: int) -> dict:
    """Every one of ``k`` clusters given the majority reference label of its beats (``k`` clicks
    spent on clusters alone): how far majority answers can go with that many groups."""
    truth, calls = [], []
    for d in records:
        clusters = cluster_beats(d["signal"], float(d["fs"]), d["marks"], k=k).cluster
        y, label = d["y"], np.zeros(len(d["y"]), dtype=int)
        for c in np.unique(clusters):
            label[clusters == c] = "NSVFQ".index(majority(y, np.flatnonzero(clusters == c)).replace("not sure", "N"))
        truth.append(y[y >= 0])
        calls.append(label[y >= 0])
    return evaluate(np.concatenate(truth), np.eye(5)[np.concatenate(calls)])


VARIANTS = ("shipped", "k=4", "k=8", "k=10", "k=12", "no outliers", "models override (0.05)", "joint groups",
            "feature clusters", "auto split")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="ds1,svdb-fold")
    parser.add_argument("--only", help="comma-separated variants")
    parser.add_argument("--purity", help="instead: every one of K clusters given its majority label "
                        "(comma-separated K, e.g. 12,24,48)")
    args = parser.parse_args(argv)
    if args.purity:
        print("| set | clusters, each its majority label | accuracy | F1 S | F1 V |\n|---|---|---|---|---|")
        for set_name in args.sets.split(","):
            records = [dict(np.load(f)) for f in sorted(glob.glob(str(OUT / set_name / "*.npz")))]
            for k in (int(v) for v in args.purity.split(",")):
                ev = purity(records, k)
                print(f"| {set_name} | {k} | {ev['accuracy']:.4f} | {ev['per_class']['S']['f1']:.3f} | "
                      f"{ev['per_class']['V']['f1']:.3f} |", flush=True)
        return 0
    variants = args.only.split(",") if args.only else VARIANTS
    print("| set | variant | clicks | LSTM accuracy / S / V | CNN accuracy / S / V |\n|---|---|---|---|---|")
    for set_name in args.sets.split(","):
        records = [dict(np.load(f)) for f in sorted(glob.glob(str(OUT / set_name / "*.npz")))]
        for variant in variants:
            calls = [run(d, variant) for d in records]
            truth = np.concatenate([d["y"][d["y"] >= 0] for d in records])
            for b in CLICKS:
                cells = []
                for m in MODELS:
                    ev = evaluate(truth, np.concatenate([c[b][m][d["y"] >= 0] for d, c in zip(records, calls)]))
                    cells.append(f"{ev['accuracy']:.4f} / {ev['per_class']['S']['f1']:.3f} / "
                                 f"{ev['per_class']['V']['f1']:.3f}")
                print(f"| {set_name} | {variant} | {b} | {cells[0]} | {cells[1]} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
