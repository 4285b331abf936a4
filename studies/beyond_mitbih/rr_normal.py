"""Is the person's own normal RR a better yardstick than the local mean? A fast screen.

    python studies/beyond_mitbih/rr_normal.py

Before a lever costs hours of network training, a gradient-boosted tree (scikit-learn's
``HistGradientBoostingClassifier``, seconds on 2 cores) on RR features alone tells whether it
carries information the committed features lack. Two feature sets:

- **committed**: the six ``ecg.context.RR_FEATURES`` the robust models read;
- **+ normal RR**: those and the RR before and after divided by the person's *normal* RR near
  the beat: the mean of the longer half of the ±25 surrounding intervals (runs of early beats
  pull a plain mean down; the longer half stays on the person's normal rhythm);

Protocol: the two svdb-dev folds of ``more_people.py`` (whole records, balanced by S beats); a
model trains on DS1 and the other fold and is scored on the held-out fold (beats at the
annotators' marks, classes N, S, V). Printed: S-vs-N ROC-AUC of each single feature on all
svdb-dev, and each set's out-of-fold F1 per class. DS2 is not read.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from common import database_parser, rr_rows, tree_out_of_fold
from more_people import folds
from sklearn.metrics import roc_auc_score

from ecgdash.config import DS1
from ecgdash.datasets.mitbih import present_records
from ecgdash.ecg.context import COMMITTED_RR, RR_FEATURES

WINDOW = 25


def normal_rr(pre: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """For each beat, the mean of the longer half of the RR intervals within ±window beats."""
    n = len(pre)
    out = np.empty(n)
    for i in range(n):
        near = np.sort(pre[max(0, i - window):i + window + 1])
        out[i] = near[len(near) // 2:].mean()
    return out


def features(folder: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(committed features, the two normal-RR features, labels) of records ``names``."""
    def normal_features(context):
        normal = normal_rr(context[:, 0])
        return np.clip(np.column_stack([context[:, 0] / normal, context[:, 1] / normal]), 0, 4)

    return rr_rows(folder, names, normal_features)


def main(argv=None) -> int:
    args = database_parser(__doc__.splitlines()[0]).parse_args(argv)
    svdb, mitdb = Path(args.svdb), Path(args.mitdb)
    ds1 = features(mitdb, present_records(mitdb, DS1))
    parts = [features(svdb, part) for part in folds(svdb)]
    every = [np.concatenate([p[i] for p in parts]) for i in range(3)]
    keep = np.isin(every[2], [0, 1])
    print("S-vs-N ROC-AUC of one feature, all svdb-dev beats (1 - AUC when lower means S):")
    columns = np.column_stack([every[0], every[1]])[keep]
    for j, name in enumerate([*RR_FEATURES[:COMMITTED_RR], "pre_over_normal", "post_over_normal"]):
        auc = roc_auc_score(every[2][keep] == 1, columns[:, j])
        print(f"  {name:18s} {max(auc, 1 - auc):.3f}")
    for label, use_extra in (("committed", False), ("+ normal RR", True)):
        f1 = tree_out_of_fold(ds1, parts, lambda p, e=use_extra: np.column_stack([p[0], p[1]]) if e else p[0],
                              lambda p: p[2])
        print(f"{label:12s} out of fold F1 N {f1[0]:.3f}  S {f1[1]:.3f}  V {f1[2]:.3f}  "
              f"macro {f1.mean():.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
