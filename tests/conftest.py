"""Shared fixtures: where the records are, a small built dataset, a tiny trained model store.

Single-record tests (fixture ``records``), the small built dataset and the tiny models all come
from the excerpts shipped in ``data/examples/`` (records 208, 213, 232 and 119, 5 minutes each),
so the suite runs the same with or without the database. The tests that need all 48 records
(fixture ``mitdb``) look for them in ``ECGDASH_MITDB``, ``../shared/data/mitdb`` and
``data/mitdb``, and skip without them.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    # each xdist worker's TensorFlow (and the servers and commands it starts) gets its share of
    # the cores: two workers with a thread pool of every core each fought over them
    _share = str(max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))
    for _name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(_name, _share)

ROOT = Path(__file__).resolve().parent.parent
#: This process's own main module: Streamlit's AppTest leaves the script it ran (app.py) in its
#: place, and a process started by spawn later (a Dask worker) would run that script again.
_MAIN = sys.modules["__main__"]
from ecgdash.io.examples import EXCERPT_RECORDS  # noqa: E402

#: Records every test source holds: the full database and the shipped excerpts alike.
COMMON_RECORDS = tuple(EXCERPT_RECORDS)
#: Records the full database must hold to be used.
FULL_CHECK = ("100", "208", "213", "217", "232", "234")


def _find_mitdb() -> Path | None:
    """The full database: ECGDASH_MITDB, ../shared/data/mitdb or data/mitdb (all 48 records)."""
    env = os.environ.get("ECGDASH_MITDB")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "data" / "mitdb", ROOT / "data" / "mitdb"]
    for c in candidates:
        if len(list(c.glob("*.hea"))) >= 48 and all((c / f"{r}.atr").is_file() for r in FULL_CHECK):
            return c
    return None


def _excerpts() -> Path:
    from ecgdash.io.examples import excerpts_dir

    return excerpts_dir()


MITDB = _find_mitdb()
#: Single-record tests read the shipped 5-minute excerpts, with or without the database: the
#: suite is as fast, and tests the same, everywhere (``mitdb`` is for the tests that need all 48).
RECORDS = _excerpts()


@pytest.fixture(scope="session")
def mitdb() -> Path:
    """All 48 records; tests that need them skip without the database."""
    if MITDB is None:
        pytest.skip("needs all 48 MIT-BIH records (set ECGDASH_MITDB, or place them in "
                    "../shared/data/mitdb or data/mitdb)")
    return MITDB


@pytest.fixture(scope="session")
def records() -> Path:
    """A WFDB folder holding ``COMMON_RECORDS``: the shipped excerpts (5 minutes each)."""
    return RECORDS


@pytest.fixture(scope="session")
def small_source() -> Path:
    """The shipped excerpts (records 208, 119 of DS1; 213, 232 of DS2; 5 minutes each): the
    small WFDB folder that the built dataset and the tiny models come from, with or without the
    full database (it keeps the suite fast and the same everywhere)."""
    return _excerpts()


def _once(tmp_path_factory, name: str, make) -> Path:
    """A session folder made once for the whole run: under pytest-xdist the workers share it
    (made by the first, under a lock beside their temporary folders; the others wait for it),
    so the small dataset and the tiny models are built and trained once, not once per worker."""
    try:
        import fcntl
    except ImportError:          # no flock (Windows): each worker makes its own
        fcntl = None
    if not os.environ.get("PYTEST_XDIST_WORKER") or fcntl is None:
        out = tmp_path_factory.mktemp(name)
        make(out)
        return out
    root = tmp_path_factory.getbasetemp().parent
    out = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / f"{name}.done").exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            make(out)
            (root / f"{name}.done").touch()
    return out


@pytest.fixture(scope="session")
def _built_data(small_source, tmp_path_factory) -> Path:
    """``data build`` on the small source, once for the run (read only: copied before use)."""
    from ecgdash.datasets import mitbih as dataset

    return _once(tmp_path_factory, "data", lambda out: dataset.build(source=small_source, out=out))


def _copy_of(folder: Path, tmp_path_factory, name: str) -> Path:
    out = tmp_path_factory.mktemp(name)
    shutil.copytree(folder, out, dirs_exist_ok=True)
    return out


@pytest.fixture(scope="session")
def small_data(_built_data, tmp_path_factory) -> Path:
    """A data folder with beats.npz and the split CSVs: this worker's own copy of the build (a
    training run writes its checkpoints into the data folder, so workers must not share one)."""
    return _copy_of(_built_data, tmp_path_factory, "data")


@pytest.fixture(autouse=True)
def _main_module_back():
    """Put this process's ``__main__`` back after a test that ran a Streamlit script."""
    yield
    sys.modules["__main__"] = _MAIN


@contextlib.contextmanager
def keras_eagerly():
    """Keras' train and predict steps (every ``tf.function``) run eagerly inside the block.

    For training a few steps: tracing a model's training step costs about 4 s on 2 cores, more
    than the steps. The shipped code path (traced steps) stays tested where it matters: the
    classroom recipe test, the CLI and server tests in their own processes, the browser tests.
    """
    import tensorflow as tf

    was = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(was)


@pytest.fixture
def eager_keras():
    """This test runs Keras eagerly (``keras_eagerly``): it trains a few steps."""
    with keras_eagerly():
        yield


@pytest.fixture(scope="session")
def tiny_store(_built_data, small_source, tmp_path_factory) -> Path:
    """A model store with all four models trained through the CLI for 1 epoch: the reference
    LSTM and CNN on 300 beats, the robust pair on 300 beats of the small source's DS1 records.
    One batch per epoch (512 > 300), run eagerly (``keras_eagerly``: nothing to trace for four
    steps). Trained once for the run, on a data folder of its own (read only: tests copy it
    before writing)."""
    from ecgdash.cli import main

    def train(models: Path) -> None:
        data = _copy_of(_built_data, tmp_path_factory, "models-data")
        with keras_eagerly():
            rc = main(["train", "--model", "all", "--subset", "300", "--epochs", "1", "--batch-size", "512",
                       "--data", str(data), "--models-dir", str(models)])
            assert rc == 0
            rc = main(["train", "--model", "robust", "--subset", "300", "--epochs", "1", "--copies", "1",
                       "--batch-size", "512", "--source", str(small_source), "--data", str(data),
                       "--models-dir", str(models)])
            assert rc == 0

    return _once(tmp_path_factory, "models", train)


def _tiny_pair(tiny_store: Path, pair: str) -> dict:
    from ecgdash.models import registry
    from ecgdash.models.store import load_model

    return {name: load_model(name, folder=tiny_store) for name in registry.PAIRS[pair]}


@pytest.fixture(scope="session")
def tiny_models(tiny_store) -> dict:
    """``{"lstm": ..., "cnn": ...}``: the tiny store's reference pair, loaded once per worker
    for the tests that only score with them (loading a tiny model and tracing its first call
    took 0.3-0.5 s here). Shared: a test that trains, adapts or otherwise changes a model, or
    whose subject is loading one, loads its own."""
    return _tiny_pair(tiny_store, "reference")


@pytest.fixture(scope="session")
def tiny_robust(tiny_store) -> dict:
    """``{"robust_lstm": ..., "robust_cnn": ...}``, shared like ``tiny_models``."""
    return _tiny_pair(tiny_store, "robust")


@pytest.fixture(scope="session")
def tiny_cnn(tiny_models) -> dict:
    """``{"cnn": ...}``: the shared tiny CNN alone, for the tests that read a file and need one
    model's calls, not a comparison."""
    return {"cnn": tiny_models["cnn"]}


def beat_rows(n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic Kaggle-like rows in [0, 1] and labels (for loader tests)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 187)).astype(np.float32)
    X[:, 150:] = 0.0
    y = rng.integers(0, 5, n)
    return X, y


@pytest.fixture
def app_env(monkeypatch, tiny_store, tmp_path):
    """The app with the tiny trained models and no data built."""
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    monkeypatch.setenv("ECGDASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    return tmp_path


def pytest_collection_modifyitems(items):
    """Tests that read all 48 MIT-BIH records carry the ``mitdb`` marker."""
    for item in items:
        if "mitdb" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.mitdb)
