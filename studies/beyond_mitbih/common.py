"""What the studies of this folder share: where the two databases are."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score

from ecgdash.datasets.mitbih import annotated_beats, read_records
from ecgdash.ecg.context import COMMITTED_RR

ROOT = Path(__file__).resolve().parents[2]


def database_parser(description: str) -> argparse.ArgumentParser:
    """``--svdb DIR`` (the svdb development records) and ``--mitdb DIR`` (MIT-BIH)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--svdb", default=str(ROOT.parent / "shared" / "data" / "svdb-dev"))
    parser.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    return parser


def tree_out_of_fold(ds1, parts, columns, labels) -> np.ndarray:
    """F1 of N, S and V of a gradient-boosted tree trained on DS1 and one svdb-dev fold and
    scored on the other, both ways, pooled. ``ds1`` and each of ``parts`` are whatever a study
    keeps per set of records; ``columns(x)`` gives its feature matrix, ``labels(x)`` its classes."""
    truth, calls = [], []
    for held in (0, 1):
        train = [ds1, parts[1 - held]]
        X, y = np.concatenate([columns(p) for p in train]), np.concatenate([labels(p) for p in train])
        Xt, yt = columns(parts[held]), labels(parts[held])
        clf = HistGradientBoostingClassifier(max_iter=200, random_state=42).fit(X[y < 3], y[y < 3])
        truth.append(yt[yt < 3])
        calls.append(clf.predict(Xt[yt < 3]))
    return f1_score(np.concatenate(truth), np.concatenate(calls), labels=[0, 1, 2], average=None)


def rr_rows(folder: Path, names, extra) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the RR features the shipped pair reads, ``extra(context)``, labels) of the annotated beats
    of records ``names``, each record's beats in time order; ``context`` is every RR feature of
    ``ecg.context`` (float64, one record's beats)."""
    committed, more, labels = [], [], []
    for rec in read_records(folder, names):
        beats = annotated_beats([rec])
        order = np.argsort(beats.sample, kind="stable")
        context = np.asarray(beats.context, dtype=np.float64)[order]
        committed.append(context[:, :COMMITTED_RR])
        more.append(extra(context))
        labels.append(beats.y[order])
    return np.concatenate(committed), np.concatenate(more), np.concatenate(labels)
