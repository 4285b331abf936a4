"""Label clusters, not beats: beats grouped by shape and timing, labels spread to their beats."""
from __future__ import annotations

import numpy as np

from ecgdash import read_recording
from ecgdash.ecg.clusters import cluster_beats
from ecgdash.ecg.cutting import aami_labels, is_beat_symbol


def _record(records, name):
    rec = read_recording(records / name)
    beat = is_beat_symbol(rec.ann_symbol)
    return rec, rec.ann_sample[beat], aami_labels(rec.ann_symbol[beat])


def test_a_few_clusters_hold_one_kind_of_beat_each(records):
    """Labelling each cluster with its most common reference class (the best a person could do
    with one click per cluster) labels most beats right, on records with V beats (208: V and
    F; 119: bigeminy)."""
    for name in ("208", "119"):
        rec, marks, y = _record(records, name)
        clusters = cluster_beats(rec.signals[:, 0], rec.fs, marks, k=6)
        assert clusters.sizes.sum() == len(marks) and list(clusters.sizes) == sorted(clusters.sizes, reverse=True)
        best = {c: int(np.bincount(y[clusters.cluster == c], minlength=5).argmax()) for c in range(clusters.k)}
        labels = np.array([best[c] for c in clusters.cluster])
        assert np.mean(labels == y) > 0.9, (name, np.mean(labels == y))
        assert (labels == 2).sum() > 0.8 * (y == 2).sum()          # the V beats got their own clusters


def test_clusters_are_the_same_every_time_and_early_beats_are_early(records):
    """208's PVCs come early: the cluster holding most V beats has a prematurity below 1 and
    below the main N cluster's, as the plain RR before each of its beats says too."""
    rec, marks, y = _record(records, "208")
    a = cluster_beats(rec.signals[:, 0], rec.fs, marks, k=5)
    b = cluster_beats(rec.signals[:, 0], rec.fs, marks, k=5)
    np.testing.assert_array_equal(a.cluster, b.cluster)
    y = np.asarray(y)
    v = max(range(a.k), key=lambda c: int(((a.cluster == c) & (y == 2)).sum()))
    n = max(range(a.k), key=lambda c: int(((a.cluster == c) & (y == 0)).sum()))
    rr = np.diff(np.asarray(marks)) / rec.fs
    before = np.r_[np.nan, rr / np.median(rr)]           # the RR before each beat, against the record's
    assert np.nanmedian(before[a.cluster == v]) < 0.95
    assert a.prematurity[v] < 0.95 < a.prematurity[n] < 1.05


def test_tiny_inputs_do_not_fail():
    one = cluster_beats(np.zeros(1000), 100.0, [500], k=6)
    assert one.k == 1 and one.cluster.tolist() == [0]
    few = cluster_beats(np.random.default_rng(0).normal(size=2000), 100.0, [300, 900, 1500], k=6)
    assert few.k == 3 and sorted(few.cluster.tolist()) == [0, 1, 2]
