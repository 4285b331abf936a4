"""Shared fixtures: the local MIT-BIH copy, a small built dataset, a tiny trained model store."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent


def _find_mitdb() -> Path | None:
    env = os.environ.get("ECGDASH_MITDB")
    candidates = [Path(env)] if env else []
    candidates += [p / "shared" / "data" / "mitdb" for p in (ROOT, *ROOT.parents)]
    for c in candidates:
        if (c / "100.hea").is_file():
            return c
    return None


MITDB = _find_mitdb()
#: Records used for the small built dataset: DS1 and DS2 records, all five classes.
SMALL_RECORDS = ("101", "105", "106", "208", "213", "217", "232")


@pytest.fixture(scope="session")
def mitdb() -> Path:
    if MITDB is None:
        pytest.skip("MIT-BIH copy not found (set ECGDASH_MITDB or place it in ../shared/data/mitdb)")
    return MITDB


@pytest.fixture(scope="session")
def small_source(mitdb, tmp_path_factory) -> Path:
    """A WFDB folder holding a few MIT-BIH records (links to the shared copy)."""
    folder = tmp_path_factory.mktemp("mitdb_small")
    for name in SMALL_RECORDS:
        for ext in (".hea", ".dat", ".atr"):
            (folder / f"{name}{ext}").symlink_to(mitdb / f"{name}{ext}")
    return folder


@pytest.fixture(scope="session")
def small_data(small_source, tmp_path_factory) -> Path:
    """``data build`` on the small source: a data folder with beats.npz and the split CSVs."""
    from ecgdash import dataset

    out = tmp_path_factory.mktemp("data")
    dataset.build(source=small_source, out=out)
    return out


@pytest.fixture(scope="session")
def tiny_store(small_data, small_source, tmp_path_factory) -> Path:
    """A model store with all four models trained through the CLI for 1 epoch: the reference
    LSTM and CNN on 300 beats, the robust pair on 300 beats of the small source's DS1 records."""
    from ecgdash.cli import main

    models = tmp_path_factory.mktemp("models")
    rc = main(["train", "--model", "all", "--subset", "300", "--epochs", "1",
               "--data", str(small_data), "--models", str(models)])
    assert rc == 0
    rc = main(["train", "--model", "robust", "--subset", "300", "--epochs", "1", "--copies", "1",
               "--source", str(small_source), "--models", str(models)])
    assert rc == 0
    return models


def beat_rows(n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic Kaggle-like rows in [0, 1] and labels (for loader tests)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 187)).astype(np.float32)
    X[:, 150:] = 0.0
    y = rng.integers(0, 5, n)
    return X, y
