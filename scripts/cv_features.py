"""Screen candidate RR features by grouped cross-validation on DS1 (cheap, before any training).

A gradient-boosted tree classifier (scikit-learn) reads the RR context only, no beat shape, and is
trained and scored on the same four groups of whole DS1 records as ``scripts/cv_folds.py``. It
compares the six features the robust models take today (``ecgdash.context``) with the same six
plus each candidate of issue 12:

- ``rel_rr``: (normal RR - RR before) / normal RR, where the patient's *normal RR* is the mean of
  the longer half of the +-30 surrounding RR intervals (Liu et al. 2022), so a run of early beats
  does not drag it down;
- ``rel_rr_post``: the same for the RR after the beat;
- ``irregularity``: sample entropy (m = 2, r = 0.2 sd) of the 60 RR intervals around the beat:
  high in atrial fibrillation, low in a regular rhythm with the odd early beat.

Scores pool the out-of-fold beats: ROC-AUC of S against N, and S-F1 / V-F1 / macro-F1 (N, S, V, F)
of the classifier's own decisions. A feature is worth a training run only if it raises these
here. DS2 is never read.

Measured (50,999 DS1 beats): S-vs-N AUC / S-F1 / V-F1 / macro-F1: today's six 0.8918 / 0.151 /
0.505 / 0.399; + rel_rr 0.8638 / 0.154 / 0.483 / 0.393; + rel_rr_post 0.8920 / 0.147 / 0.451 /
0.384; + irregularity 0.9121 / 0.207 / 0.462 / 0.404; + all three 0.9189 / 0.159 / 0.418 / 0.381.
The six already hold a robust normal RR (the mean of +-25 beats); only the irregularity was worth a
training run (``cv_folds.py --rr-irregularity``), and there it lowered macro-F1 (context.py).

    python scripts/cv_features.py [--source ../shared/data/mitdb]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecgdash.context import rr_irregularity  # noqa: E402

NORMAL_WINDOW = 30


def normal_rr(pre: np.ndarray, window: int = NORMAL_WINDOW) -> np.ndarray:
    """Mean of the longer half of the RR intervals within +-``window`` beats of each beat."""
    n = len(pre)
    out = np.empty(n)
    for i in range(n):
        near = np.sort(pre[max(0, i - window):i + window + 1])
        out[i] = near[len(near) // 2:].mean()
    return out


def candidates(beats) -> dict[str, np.ndarray]:
    rr = np.asarray(beats.rr, dtype=np.float64)
    out = {k: np.zeros(len(beats)) for k in ("rel_rr", "rel_rr_post", "irregularity")}
    for rec in np.unique(beats.record):
        idx = np.flatnonzero(beats.record == rec)
        idx = idx[np.argsort(beats.sample[idx], kind="stable")]
        pre = rr[idx, 0]
        fill = np.nanmean(pre[np.isfinite(pre) & (pre > 0)])
        pre = np.where(np.isfinite(pre) & (pre > 0), pre, fill)
        post = np.where(np.isfinite(rr[idx, 1]) & (rr[idx, 1] > 0), rr[idx, 1], fill)
        norm = normal_rr(pre)
        out["rel_rr"][idx] = (norm - pre) / norm
        out["rel_rr_post"][idx] = (norm - post) / norm
        out["irregularity"][idx] = rr_irregularity(pre)
    return out


def main() -> int:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import f1_score, roc_auc_score

    from ecgdash.config import DS1
    from ecgdash.context import RR_FEATURES, rr_context
    from ecgdash.dataset import annotated_beats, read_records
    from cv_folds import folds

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    args = parser.parse_args()
    start = time.perf_counter()
    beats = annotated_beats(read_records(args.source, DS1))
    keep = beats.y < 4
    base = rr_context(beats, len(RR_FEATURES)).astype(np.float64)
    extra = candidates(beats)
    print(f"{len(beats):,} DS1 beats, features in {time.perf_counter() - start:.0f} s", flush=True)
    sets = {"today's six": base}
    for name, values in extra.items():
        sets[f"+ {name}"] = np.column_stack([base, values])
    sets["+ all three"] = np.column_stack([base, *extra.values()])
    groups = folds(DS1)
    y = beats.y
    print(f"{'features':16} {'S-vs-N AUC':>10} {'S-F1':>6} {'V-F1':>6} {'macro-F1':>8}")
    for name, X in sets.items():
        pred, score_s = np.zeros(len(y), int), np.zeros(len(y))
        for held in groups:
            test = np.isin(beats.record, held)
            fit = ~test & keep
            weights = len(y[fit]) / (4 * np.bincount(y[fit], minlength=4)[y[fit]])
            clf = HistGradientBoostingClassifier(max_iter=200, random_state=0)
            clf.fit(X[fit], y[fit], sample_weight=weights)
            proba = clf.predict_proba(X[test])
            pred[test] = clf.classes_[proba.argmax(1)]
            score_s[test] = proba[:, list(clf.classes_).index(1)]
        ns = keep & (y <= 1)
        auc = roc_auc_score(y[ns] == 1, score_s[ns])
        f1 = f1_score(y[keep], pred[keep], labels=range(4), average=None, zero_division=0)
        print(f"{name:16} {auc:10.4f} {f1[1]:6.3f} {f1[2]:6.3f} {f1.mean():8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
