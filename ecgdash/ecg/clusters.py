"""Beats grouped by shape and timing, so that a person can label a recording a cluster at a time.

A recording of one person holds a few kinds of beats, each repeated hundreds of times: its usual
beat, perhaps early beats that look like it, wide ventricular beats of one or two shapes. Grouping
the beats by what they look like (the recording around each mark, the P wave to the T wave) and
when they come (how early against the local rhythm, the pause after) gives a handful of clusters;
labelling a cluster labels all its beats. It is a teaching tool and an annotator's shortcut, not a
classifier: a cluster can mix kinds, so each is shown with its beats' spread and timing, and the
person decides (or skips it).

One step per function::

    shapes = beat_shapes(signal, fs, marks)          # (n, m): each beat resampled to 100 Hz
    clusters = cluster_beats(signal, fs, marks, k=6)  # the clusters, largest first
    a, b = split_group(clusters.features, np.flatnonzero(clusters.cluster == 1))   # cluster 1 in two
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecgdash.ecg.context import rolling_mean
from ecgdash.ecg.cutting import rr_intervals

BEFORE_S, AFTER_S = 0.25, 0.45          # from the P wave to the start of the T wave
RATE = 100.0                            # shapes resampled to one rate, so any recording compares
TIMING_WEIGHT = 3.0                     # each timing feature counts as much as this many shape components
COMPONENTS = 8
#: Clusters per recording by default (the Recordings page's template review and its simulated
#: reader): chosen among 4-12 on DS1 and svdb-dev out of fold (studies/template_review).
CLUSTERS = 6


@dataclass
class BeatClusters:
    """Clusters of one recording's beats.

    Attributes
    ----------
    cluster : int array, shape (n,)
        Each beat's cluster, 0 the largest.
    t : float array, shape (m,)
        Time of the shape samples from the beat's mark (s).
    median, low, high : float arrays, shape (k, m)
        Each cluster's median shape and its 10th and 90th percentiles (in the recording's units,
        baseline removed).
    sizes : int array, shape (k,)
        Beats per cluster.
    prematurity : float array, shape (k,)
        Median RR before each cluster's beats divided by the local mean RR (1: on time; 0.7:
        30 % early).
    shapes, features : float arrays, shapes (n, m) and (n, f), optional
        Each beat's shape and what it was grouped by (``cluster_features``): a cluster can be
        split from them (``split_group``).
    """

    cluster: np.ndarray
    t: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    sizes: np.ndarray
    prematurity: np.ndarray
    shapes: np.ndarray | None = None
    features: np.ndarray | None = None

    @property
    def k(self) -> int:
        return len(self.sizes)


def shape_time(*, before_s: float = BEFORE_S, after_s: float = AFTER_S, rate: float = RATE) -> np.ndarray:
    """The time (s from the mark) of each sample of a beat's shape.

    >>> t = shape_time(); len(t), float(t[0]), round(float(t[-1]), 2)
    (71, -0.25, 0.45)
    """
    return np.arange(-round(before_s * rate), round(after_s * rate) + 1) / rate


def beat_shapes(signal: np.ndarray, fs: float, marks, *, before_s: float = BEFORE_S,
                after_s: float = AFTER_S, rate: float = RATE) -> tuple[np.ndarray, np.ndarray]:
    """The recording around each mark, resampled to ``rate`` Hz, baseline removed (each window's
    median): ``(t, shapes)`` with shapes (n, m) in the recording's units. Beats near either end
    are padded with their edge values.

    Examples
    --------
    >>> t, X = beat_shapes(np.sin(np.arange(1000) / 20), 100.0, [100, 500])
    >>> X.shape, float(t[0]), round(float(t[-1]), 2)
    ((2, 71), -0.25, 0.45)
    """
    signal = np.asarray(signal, dtype=float)
    t = shape_time(before_s=before_s, after_s=after_s, rate=rate)
    where = np.asarray(marks, dtype=float)[:, None] / fs + t[None, :]
    clean = np.where(np.isfinite(signal), signal, np.nanmedian(signal) if np.isfinite(signal).any() else 0.0)
    shapes = np.interp(where * fs, np.arange(len(clean)), clean)
    return t, shapes - np.median(shapes, axis=1, keepdims=True)


def timing_features(marks, fs: float) -> np.ndarray:
    """(n, 2): RR before divided by the local mean RR (±25 beats), and RR after over RR before
    (the pause after an early beat); 1 and 1 where unknown."""
    if len(marks) < 3:
        return np.ones((len(marks), 2))
    before, after = rr_intervals(marks, fs).astype(np.float64).T
    local = rolling_mean(before)
    out = np.stack([before / np.where(local > 0, local, 1.0), after / np.where(before > 0, before, 1.0)], axis=1)
    return np.clip(np.nan_to_num(out, nan=1.0, posinf=1.0), 0.0, 4.0)


def cluster_features(signal: np.ndarray, fs: float, marks, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """What beats are grouped by: ``(shapes, features)``, the shapes of ``beat_shapes`` and, per
    beat, their first principal components (scaled by the recording's typical beat height) with
    the two timing features (``timing_features``) standardised and weighted, so that an early
    beat of usual shape can stand apart.

    Examples
    --------
    >>> shapes, X = cluster_features(np.sin(np.arange(3000) / 9), 100.0, np.arange(50, 2950, 70))
    >>> shapes.shape, X.shape
    ((42, 71), (42, 10))
    """
    from sklearn.decomposition import PCA

    marks = np.asarray(marks)
    _, shapes = beat_shapes(signal, fs, marks)
    n = len(marks)
    height = np.median(np.ptp(shapes, axis=1)) if n else 1.0
    scaled = shapes / (height if height > 0 else 1.0)
    timing = timing_features(marks, fs)
    if n < 3:
        return shapes, np.hstack([scaled[:, :0], timing])
    comps = min(COMPONENTS, n - 1, scaled.shape[1])
    reduced = PCA(n_components=comps, random_state=seed).fit_transform(scaled)
    spread = timing.std(axis=0)
    features = np.hstack([reduced / (reduced[:, 0].std() or 1.0),
                          TIMING_WEIGHT * (timing - timing.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
                          * np.sqrt(1.0 / comps)])
    return shapes, features


def split_group(features: np.ndarray, index, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two parts of the beats ``index`` (k-means on their rows of ``features``), larger first.

    >>> X = np.r_[np.zeros((8, 2)), np.ones((3, 2))]
    >>> [p.tolist() for p in split_group(X, np.arange(11))]
    [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10]]
    """
    from sklearn.cluster import KMeans

    index = np.asarray(index)
    if len(index) < 2:
        return index, index[:0]
    part = KMeans(n_clusters=2, n_init=4, random_state=seed).fit_predict(features[index])
    a, b = index[part == 0], index[part == 1]
    return (a, b) if len(a) >= len(b) else (b, a)


def cluster_beats(signal: np.ndarray, fs: float, marks, *, k: int = CLUSTERS, seed: int = 0) -> BeatClusters:
    """Group a recording's beats (at ``marks``, samples) into ``k`` clusters by shape and timing.

    K-means (k-means++, fixed ``seed``) on ``cluster_features``: the same beats always give the
    same clusters.

    Examples
    --------
    >>> fs, marks = 100.0, np.arange(50, 5000, 80)
    >>> x = np.zeros(5100); x[marks] = 1.0; x[marks[::5] + 3] = -2.0    # every 5th beat differs
    >>> c = cluster_beats(x, fs, marks, k=2)
    >>> c.sizes.tolist(), sorted(set(c.cluster[::5].tolist()))
    ([49, 13], [1])
    """
    from sklearn.cluster import KMeans

    marks = np.asarray(marks)
    t = shape_time()
    shapes, features = cluster_features(signal, fs, marks, seed=seed)
    n = len(marks)
    k = int(max(1, min(k, n)))
    raw = np.zeros(n, dtype=int)
    if k > 1:
        raw = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(features)
    order = np.argsort(-np.bincount(raw, minlength=k), kind="stable")
    cluster = np.argsort(order)[raw]
    sizes = np.bincount(cluster, minlength=k)
    prem = timing_features(marks, fs)[:, 0]
    median = np.stack([np.median(shapes[cluster == c], axis=0) for c in range(k)])
    low = np.stack([np.percentile(shapes[cluster == c], 10, axis=0) for c in range(k)])
    high = np.stack([np.percentile(shapes[cluster == c], 90, axis=0) for c in range(k)])
    prematurity = np.array([np.median(prem[cluster == c]) for c in range(k)])
    return BeatClusters(cluster, t, median, low, high, sizes, prematurity, shapes=shapes, features=features)
