"""Which training recording a recording comes from, told by its rhythm: robust to where an
excerpt starts, to the sampling rate, to a CSV export and to beats found by a detector.

A model's training rows are fingerprinted row by row (``fingerprints``), but a teacher's excerpt
of a training record (another start, another rate, a CSV of its samples, the detector's beats)
never gives those rows again. What it keeps is the record's rhythm: the sequence of RR
intervals. Each run of ``K`` consecutive RR intervals, each in bins of ``BIN_MS``, is hashed
(runs of a steady rhythm, all within one bin or two, tell nothing and are left out); the hashes
of every training recording, with where they occur, are the recording's rhythm print, stored
beside the model (a few MB; hashes only, no sample and no interval of the database).

A recording matches a training recording where, for ``NEED`` of ``WINDOW`` consecutive beats,
its runs hash like that recording's at one offset (within ``DRIFT`` beats: a detector's missed
or extra beat shifts it). Chance matches scatter over offsets and records; an excerpt lines up.
Measured (this module's tests, studies on DS1/DS2): excerpts of training records from 30 s up,
at 360 or 250 Hz, as CSV, with detected beats, match 60-100 % of their beats; DS2's records
against DS1's prints at most a few %. A steady rhythm (a paced record, a resting sinus rhythm
with little variability) cannot be told: ``RhythmMatch.judged`` says how much could.

    prints = build_prints([("119", marks, 360.0), ...])       # training recordings
    found = match(strip_marks, 250.0, prints)                   # found.share, found.record
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: RR intervals per run, and their bins (ms): wide enough for a beat found 1-2 samples away at
#: 128 Hz, narrow enough that a run tells one stretch of one person's rhythm from another's.
K, BIN_MS = 6, 40
#: An RR interval this close (ms) to a bin's edge is also looked up in the bin next to it.
NEAR_MS = 10.0
#: A run tells something when its intervals span at least this many bins.
SPREAD_BINS = 2
#: A stretch matches where ``NEED`` of ``WINDOW`` consecutive runs line up with one training
#: recording at one offset (give or take ``DRIFT`` beats).
WINDOW, NEED, DRIFT = 20, 13, 2
_MUL = np.uint64(1000003)


@dataclass
class RhythmPrints:
    """The rhythm prints of some training recordings.

    Attributes
    ----------
    hashes : uint64 array, sorted
        Every informative run's hash.
    record : int32 array
        Which recording (index into ``names``) each hash comes from.
    position : int32 array
        Where in that recording's RR sequence the run starts.
    names : list of str
        The recordings ("119", "svdb-dev/841").
    """

    hashes: np.ndarray
    record: np.ndarray
    position: np.ndarray
    names: list


@dataclass
class RhythmMatch:
    """What a recording's rhythm says. ``share``: of its beats, those in stretches that line up
    with a training recording; ``record``: the recording most of them come from (None for
    none); ``judged``: of its beats, those whose rhythm could tell (not steady)."""

    share: float
    record: str | None
    judged: float


def rr_ms(marks, fs: float) -> np.ndarray:
    """RR intervals (ms) between consecutive marks (samples at ``fs``).

    >>> rr_ms([0, 360, 684], 360.0).tolist()
    [1000.0, 900.0]
    """
    return np.diff(np.asarray(marks, dtype=np.float64)) / float(fs) * 1000.0


def _hash(rows: np.ndarray) -> np.ndarray:
    h = np.zeros(len(rows), dtype=np.uint64)
    for j in range(rows.shape[1]):
        h = h * _MUL + rows[:, j].astype(np.uint64)
    return h


def _runs(rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The binned runs of ``K`` intervals and whether each is informative."""
    bins = np.floor(np.clip(rr, 0, 60_000) / BIN_MS).astype(np.int64)
    if len(bins) < K:
        return np.zeros((0, K), dtype=np.int64), np.zeros(0, dtype=bool)
    runs = np.lib.stride_tricks.sliding_window_view(bins, K)
    return runs, (runs.max(axis=1) - runs.min(axis=1)) >= SPREAD_BINS


def build_prints(recordings) -> RhythmPrints:
    """Rhythm prints of ``recordings``: ``(name, marks, fs)`` each, marks in samples (the
    annotated beats).

    >>> marks = np.cumsum(np.random.default_rng(0).integers(250, 400, 300))
    >>> len(build_prints([("a", marks, 360.0)]).names)
    1
    """
    hashes, record, position, names = [], [], [], []
    for i, (name, marks, fs) in enumerate(recordings):
        runs, ok = _runs(rr_ms(marks, fs))
        hashes.append(_hash(runs[ok]))
        record.append(np.full(int(ok.sum()), i, dtype=np.int32))
        position.append(np.flatnonzero(ok).astype(np.int32))
        names.append(str(name))
    h = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    order = np.argsort(h, kind="stable")
    return RhythmPrints(h[order], np.concatenate(record)[order] if record else np.zeros(0, np.int32),
                        np.concatenate(position)[order] if position else np.zeros(0, np.int32), names)


def save_prints(path, prints: RhythmPrints) -> None:
    """Write ``prints`` to ``path`` (``.npz``)."""
    np.savez_compressed(path, hashes=prints.hashes, record=prints.record, position=prints.position,
                        names=np.asarray(prints.names))


def load_prints(path) -> RhythmPrints:
    """Prints written by ``save_prints``."""
    with np.load(Path(path)) as f:
        return RhythmPrints(f["hashes"], f["record"], f["position"], [str(n) for n in f["names"]])


def _lookups(rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each informative run's hash, and its hashes with an interval near a bin's edge moved to
    the next bin (up to 3 such intervals): ``(hashes, run index)``."""
    runs, ok = _runs(rr)
    if not ok.any():
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    frac = np.clip(rr, 0, 60_000) / BIN_MS
    frac = frac - np.floor(frac)
    step = np.where(frac < NEAR_MS / BIN_MS, -1, np.where(frac > 1 - NEAR_MS / BIN_MS, 1, 0))
    runs, steps = runs[ok], np.lib.stride_tricks.sliding_window_view(step, K)[ok]
    index = np.flatnonzero(ok)
    near = np.argsort(steps == 0, axis=1, kind="stable")[:, :3]      # the first 3 such intervals
    count = np.minimum((steps != 0).sum(axis=1), 3)
    rows, at = [], []
    for moves in itertools.product((0, 1), repeat=3):
        used = [j for j in range(3) if moves[j]]
        keep = count > (max(used) if used else -1)                  # each row's variants once
        row = runs[keep].copy()
        for j in used:
            column = near[keep, j]
            row[np.arange(len(row)), column] += steps[keep][np.arange(len(row)), column]
        rows.append(row)
        at.append(index[keep])
    return _hash(np.concatenate(rows)), np.concatenate(at)


def match(marks, fs: float, prints: RhythmPrints) -> RhythmMatch:
    """How much of a recording (its beats at ``marks``, samples at ``fs``) lines up with one of
    the training recordings of ``prints``, and which.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> marks = np.cumsum(rng.integers(250, 420, 2000))            # a training recording
    >>> prints = build_prints([("r1", marks, 360.0)])
    >>> part = np.round((marks[500:900] - marks[500]) * 250 / 360)  # an excerpt, at 250 Hz
    >>> found = match(part, 250.0, prints)
    >>> found.record, found.share > 0.9
    ('r1', True)
    >>> match(np.cumsum(rng.integers(250, 420, 400)), 360.0, prints).share   # someone else
    0.0
    """
    marks = np.asarray(marks)
    n = len(marks)
    if n < K + 2 or not len(prints.hashes):
        return RhythmMatch(0.0, None, 0.0)
    rr = rr_ms(marks, fs)
    hashes, runs = _lookups(rr)
    edges = np.zeros(n + 1, dtype=np.int64)
    starts = np.unique(runs)
    np.add.at(edges, starts, 1)
    np.add.at(edges, np.minimum(starts + K + 1, n), -1)
    judged = np.cumsum(edges[:n]) > 0
    lo = np.searchsorted(prints.hashes, hashes, "left")
    width = np.minimum(np.searchsorted(prints.hashes, hashes, "right"), lo + 20) - lo
    first = np.repeat(lo - np.cumsum(width) + width, width)
    j = first + np.arange(int(width.sum()))                          # every print each run hits
    i = np.repeat(runs, width)
    hit_record, hit_offset = prints.record[j].astype(np.int64), prints.position[j].astype(np.int64) - i
    best, best_record = 0, None
    for record in np.unique(hit_record):
        pairs = np.unique(np.column_stack([i, hit_offset])[hit_record == record], axis=0)
        by_offset = np.sort(pairs[:, 1])
        offsets = np.unique(by_offset)
        near = (np.searchsorted(by_offset, offsets + DRIFT, "right")
                - np.searchsorted(by_offset, offsets - DRIFT, "left"))
        seen = np.zeros(n, dtype=bool)
        for offset in offsets[near >= NEED]:                         # others cannot line up NEED runs
            lined = np.unique(pairs[np.abs(pairs[:, 1] - offset) <= DRIFT, 0])
            if len(lined) < NEED:
                continue
            dense = np.searchsorted(lined, lined + WINDOW, "left") - np.arange(len(lined)) >= NEED
            for start in lined[dense]:
                seen[start:start + WINDOW + K] = True
        if seen.sum() > best:
            best, best_record = int(seen.sum()), prints.names[int(record)]
    return RhythmMatch(best / n, best_record, float(judged.mean()))
