"""Which beats a model trained on, known from the beats themselves: 64-bit fingerprints of rows.

A model's card names a file of fingerprints: one 64-bit hash (blake2b) of each training row's
187 float32 values, sorted. A fingerprint reveals no sample, and a row of an upload matches only
when it is bit for bit a row the model trained on: the Kaggle files' rows (float32 written as
``%.18e``), our own built CSVs and beats cut from the same MIT-BIH record at the same marks all
do; a row written with fewer digits, rescaled, or cut by another recipe does not. So a page can
say "trained on 79 % of these beats" from the rows, never from the file's name, and on rows it
cannot match it says only that they match none.

    fps = row_fingerprints(beats.X)                        # (n,) uint64, one per row
    save(path, fps); known = load(path)                    # sorted, unique
    seen_mask(beats.X, known).mean()                       # share of rows it trained on

Examples
--------
>>> import numpy as np
>>> X = np.random.default_rng(0).random((4, 187)).astype(np.float32)
>>> known = np.unique(row_fingerprints(X[:3]))
>>> seen_mask(X, known).tolist()
[True, True, True, False]
>>> seen_mask(X.astype(np.float64), known).tolist()     # float64 of the same values: the same rows
[True, True, True, False]
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ecgdash.config import BEAT_LEN
from ecgdash.io.files import temp_path


def row_fingerprints(X: np.ndarray) -> np.ndarray:
    """One 64-bit fingerprint per row: blake2b (8 bytes) of its values as little-endian float32.

    Parameters
    ----------
    X : ndarray, shape (n, 187)
        Beat rows (any float dtype; cast to float32 first, as the Kaggle files store them).

    Returns
    -------
    ndarray of uint64, shape (n,)
    """
    X = np.ascontiguousarray(np.asarray(X), dtype="<f4")
    if X.ndim != 2:
        raise ValueError(f"expected rows of beats (n, {BEAT_LEN}), got shape {X.shape}")
    X = X + np.float32(0.0)      # -0.0 and 0.0 are the same value: give them the same bytes
    raw = X.view(np.uint8).reshape(len(X), -1)
    digest = [hashlib.blake2b(row.tobytes(), digest_size=8).digest() for row in raw]
    return np.frombuffer(b"".join(digest), dtype="<u8").copy() if digest else np.zeros(0, np.uint64)


def seen_mask(X: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Per row of ``X``: is it one of the rows whose fingerprints are ``known`` (sorted)?"""
    fps = row_fingerprints(X)
    if not len(known) or not len(fps):
        return np.zeros(len(fps), dtype=bool)
    at = np.clip(np.searchsorted(known, fps), 0, len(known) - 1)
    return known[at] == fps


def save(path, fingerprints: np.ndarray) -> Path:
    """Write fingerprints (sorted, unique) as a ``.npy`` file, atomically. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as f:
            np.save(f, np.unique(np.asarray(fingerprints, dtype=np.uint64)))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load(path) -> np.ndarray:
    """The sorted fingerprints in ``path`` (read once per file version)."""
    path = Path(path)
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> np.ndarray:
    known = np.load(path, allow_pickle=False)
    if known.dtype != np.uint64 or known.ndim != 1:
        raise ValueError(f"{path} is not a file of row fingerprints")
    return known
