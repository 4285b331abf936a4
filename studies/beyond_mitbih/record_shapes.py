"""Does judging a beat against its own record's beats, or its QRS width, add what RR lacks? A fast screen.

    python studies/beyond_mitbih/record_shapes.py

Two levers of issue 22 screened the way ``rr_normal.py`` screened the person's normal RR: a
gradient-boosted tree (seconds on 2 cores) on hand-made features, before any network is trained
with them. Feature sets:

- **committed RR**: the six ``ecg.context.RR_FEATURES`` the robust models read;
- **+ QRS width**: the width of the largest deflection within 120 ms of the mark at half its
  height (ms), measured on the recording at its own rate (128 or 360 Hz);
- **+ record's clusters**: each record's beats grouped by shape and timing
  (``ecg.clusters.cluster_beats``, k = 6, no label read); per beat: the correlation of its shape
  with the record's largest cluster's median beat (the person's usual beat), the distance to it
  over the record's typical beat height, the share of the record's beats in its own cluster, and
  its cluster's median prematurity;
- **all**: both.

Protocol as ``rr_normal.py``: the two svdb-dev folds of ``more_people.py`` (whole records,
balanced by S beats); a tree trains on DS1 and one fold and is scored on the other (beats at the
annotators' marks, classes N, S, V). DS2 is not read.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from common import database_parser, tree_out_of_fold
from more_people import folds

from ecgdash.config import DS1
from ecgdash.datasets.mitbih import annotated_beats, present_records, read_records
from ecgdash.ecg.clusters import beat_shapes, cluster_beats
from ecgdash.ecg.context import COMMITTED_RR

HALF_WINDOW_S = 0.12


def qrs_width_ms(signal: np.ndarray, fs: float, marks: np.ndarray) -> np.ndarray:
    """Width (ms) of the largest deflection within ±120 ms of each mark, at half its height
    above the window's median (the sign of the deflection taken as it comes)."""
    half = int(round(HALF_WINDOW_S * fs))
    out = np.full(len(marks), np.nan)
    for i, m in enumerate(marks):
        seg = signal[max(0, m - half): m + half + 1]
        if len(seg) < 3:
            continue
        seg = seg - np.median(seg)
        peak = int(np.argmax(np.abs(seg)))
        level = 0.5 * abs(seg[peak])
        above = np.abs(seg) >= level
        lo = peak
        while lo > 0 and above[lo - 1]:
            lo -= 1
        hi = peak
        while hi < len(seg) - 1 and above[hi + 1]:
            hi += 1
        out[i] = (hi - lo + 1) / fs * 1000.0
    return out


def record_features(rec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(RR context, QRS width, cluster features, labels) of one record's annotated beats."""
    beats = annotated_beats([rec])
    order = np.argsort(beats.sample, kind="stable")
    marks = beats.sample[order]
    signal = rec.signals[:, 0]
    width = qrs_width_ms(signal, rec.fs, marks)[:, None]
    groups = cluster_beats(signal, rec.fs, marks, k=6)
    _, shapes = beat_shapes(signal, rec.fs, marks)
    usual = groups.median[0]
    height = np.median(np.ptp(shapes, axis=1)) or 1.0
    centred = shapes - shapes.mean(axis=1, keepdims=True)
    u = usual - usual.mean()
    corr = centred @ u / (np.linalg.norm(centred, axis=1) * np.linalg.norm(u) + 1e-9)
    dist = np.sqrt(((shapes - usual) ** 2).mean(axis=1)) / height
    share = groups.sizes[groups.cluster] / len(marks)
    prem = groups.prematurity[groups.cluster]
    clusters = np.column_stack([corr, dist, share, prem])
    rr = np.asarray(beats.context, dtype=np.float64)[order, :COMMITTED_RR]
    return rr, width, clusters, beats.y[order]


def features(folder: Path, names: list[str]) -> list[np.ndarray]:
    parts = [record_features(rec) for rec in read_records(folder, names)]
    return [np.concatenate([p[i] for p in parts]) for i in range(4)]


SETS = {"committed RR": (0,), "+ QRS width": (0, 1), "+ record's clusters": (0, 2), "all": (0, 1, 2)}


def main(argv=None) -> int:
    args = database_parser(__doc__.splitlines()[0]).parse_args(argv)
    svdb, mitdb = Path(args.svdb), Path(args.mitdb)
    ds1 = features(mitdb, present_records(mitdb, DS1))
    parts = [features(svdb, part) for part in folds(svdb)]
    print("| features | F1 N | F1 S | F1 V | macro (N, S, V) |\n|---|---|---|---|---|")
    for label, use in SETS.items():
        f1 = tree_out_of_fold(ds1, parts, lambda p, use=use: np.column_stack([p[i] for i in use]), lambda p: p[3])
        print(f"| {label} | {f1[0]:.3f} | {f1[1]:.3f} | {f1[2]:.3f} | {f1.mean():.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
