"""Judge record-relative rescoring of the adapted probabilities on out-of-fold DS1 beats.

The fold models of ``studies/cross_validation/cv_folds.py`` score their held-out records adapted as
``predict_proba(..., adapt=True)`` does (the class prior over N, S, V re-estimated per record).
Two ways to judge each beat further by its own recording, without any label, are measured:

1. **a second-stage classifier** reading, per beat, the adapted log-probabilities, the RR
   context (``ecgdash.ecg.context``) and how closely the beat matches its local template and its
   record's median beat (correlation, distance): logistic regression (with and without the
   record-relative inputs) and boosted trees, trained on the out-of-fold beats of three folds'
   records and scored on the fourth's;
2. **a prematurity gate**: a beat that comes early for its record (RR before over the local or
   the record's mean RR below a threshold) and has the shape of its neighbours (correlation with
   its local template above a threshold) has its S probability multiplied by k (a grid of
   thresholds and k). Scored pooled, per fold, and nested (the gate chosen on three folds by
   the adaptation rule, best macro-F1 with accuracy within 0.02 of the adapted models, and
   scored on the fourth).

DS2 is never read. The inputs are cached in ``<cv>/<model>_rescore_inputs.npz``.

    python studies/cross_validation/cv_rescore.py [--cv data/cv] [--models robust_cnn,robust_lstm]
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

#: Second-stage inputs: 5 log-probabilities, 6 RR features, then the shape columns.
PRE_OVER_LOCAL, PRE_OVER_RECORD, CORR_LOCAL = 7, 9, 11
GATES = list(itertools.product((PRE_OVER_LOCAL, PRE_OVER_RECORD), (0.75, 0.8, 0.85, 0.9),
                               (0.7, 0.8, 0.85, 0.9), (4.0, 16.0, 64.0, 1e6)))
GATE_NAMES = {PRE_OVER_LOCAL: "pre/local", PRE_OVER_RECORD: "pre/record"}


def _rowwise_corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.divide((a * b).sum(axis=1), den, out=np.zeros(len(a)), where=den > 0)


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    scale = np.sqrt(((b - b.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
    return np.sqrt(((a - b) ** 2).mean(axis=1)) / np.maximum(scale, 1e-3)


def record_features(beats, proba: np.ndarray) -> np.ndarray:
    """Per beat of one record: log-probabilities (5), RR context (6), correlation with the local
    template and the record's median beat, distance to both. No label is read."""
    from ecgdash.ecg.context import COMMITTED_RR, rr_context, templates

    X = np.asarray(beats.X, dtype=np.float64)
    local = templates(beats).astype(np.float64)
    median = np.broadcast_to(np.median(X, axis=0), X.shape)
    logp = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-6, 1.0))
    return np.column_stack([logp, rr_context(beats, COMMITTED_RR), _rowwise_corr(X, local), _rowwise_corr(X, median),
                            _distance(X, local), _distance(X, median)]).astype(np.float32)


def inputs(name: str, cv: Path, source: Path) -> dict:
    """The out-of-fold adapted probabilities and second-stage inputs of ``name``'s folds."""
    cache = cv / f"{name}_rescore_inputs.npz"
    if cache.is_file():
        return dict(np.load(cache))
    from cv_adapt import held_out_records

    from ecgdash.models.adapt import PRIOR_CLASSES, em_prior
    from ecgdash.models.inference import predict_proba

    parts = {"y": [], "fold": [], "proba": [], "X": [], "record": []}
    for k, model, prior, record, beats in held_out_records(name, cv, source):
        adapted = em_prior(predict_proba(model, beats), prior, classes=PRIOR_CLASSES)[0]
        for key, value in (("y", beats.y), ("fold", np.full(len(beats), k)), ("proba", adapted),
                           ("X", record_features(beats, adapted)), ("record", np.full(len(beats), record))):
            parts[key].append(value)
    data = {k: np.concatenate(v) for k, v in parts.items()}
    np.savez(cache, **data)
    return data


def gate(data: dict, rule, rows=slice(None)) -> np.ndarray:
    """Classes after the prematurity gate ``rule`` = (column, threshold, shape threshold, k)."""
    column, threshold, shape, k = rule
    X, proba = data["X"][rows], data["proba"][rows]
    early = (X[:, column] < threshold) & (X[:, CORR_LOCAL] > shape)
    weights = np.ones_like(proba)
    weights[early, 1] = k
    return (proba * weights).argmax(1)


def line(label: str, r: dict) -> str:
    return (f"  {label:<40} accuracy {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f}  "
            f"S-F1 {r['S_f1']:.3f}  V-F1 {r['V_f1']:.3f}")


def main() -> int:
    from cv_adapt import score
    from cv_folds import cv_parser
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    args = cv_parser(__doc__.splitlines()[0]).parse_args()
    cv, source = Path(args.cv), Path(args.source)
    for name in args.models.split(","):
        data = inputs(name, cv, source)
        y, fold, proba, X = data["y"], data["fold"], data["proba"], data["X"]
        base = score(y, proba)
        print(f"{name}: {len(y):,} out-of-fold DS1 beats")
        print(line("adapted (today)", base), flush=True)

        stages = {
            "2nd stage: logistic": (lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)), slice(None)),
            "2nd stage: logistic, probabilities only": (lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)), slice(0, 5)),
            "2nd stage: boosted trees": (lambda: HistGradientBoostingClassifier(max_iter=200, random_state=0), slice(None)),
        }
        for label, (make, cols) in stages.items():
            out = np.zeros_like(proba)
            for k in np.unique(fold):
                train, test = fold != k, fold == k
                stage = make().fit(X[train][:, cols], y[train])
                out[np.ix_(test, stage.classes_)] = stage.predict_proba(X[test][:, cols])
            print(line(label, score(y, out)), flush=True)

        def as_proba(classes):
            return (classes[:, None] == np.arange(5)).astype(float)

        pooled = {rule: score(y, as_proba(gate(data, rule))) for rule in GATES}
        allowed = [r for r in GATES if pooled[r]["accuracy"] >= base["accuracy"] - 0.02]
        best = max(allowed, key=lambda r: pooled[r]["macro_f1"])
        for rule in [best, (PRE_OVER_RECORD, 0.8, 0.8, 1e6)]:
            column, threshold, shape, k = rule
            label = f"gate {GATE_NAMES[column]} < {threshold}, corr > {shape}, S x{k:g}"
            per_fold = []
            for f in np.unique(fold):
                rows = fold == f
                before = score(y[rows], as_proba(proba[rows].argmax(1)))
                after = score(y[rows], as_proba(gate(data, rule, rows)))
                per_fold.append(f"{after['macro_f1'] - before['macro_f1']:+.3f}")
            print(line(label, pooled[rule]) + "  per fold " + " ".join(per_fold),
                  "(best pooled)" if rule == best else "")
        nested = np.zeros_like(y)
        chosen = []
        for f in np.unique(fold):
            train = fold != f
            ref = score(y[train], as_proba(proba[train].argmax(1)))
            scores = {r: score(y[train], as_proba(gate(data, r, train))) for r in GATES}
            rule = max([r for r in GATES if scores[r]["accuracy"] >= ref["accuracy"] - 0.02],
                       key=lambda r: scores[r]["macro_f1"])
            chosen.append(rule)
            nested[fold == f] = gate(data, rule, fold == f)
        print(line("gate chosen on 3 folds, scored on the 4th", score(y, as_proba(nested))),
              "chosen:", "; ".join(f"{GATE_NAMES[c]}<{t} corr>{s} x{k:g}" for c, t, s, k in chosen),
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
