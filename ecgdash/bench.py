"""Benchmarks that print numbers: ``python -m ecgdash bench``.

Measures the data build (all records, CSVs included, into a temporary folder), and for each
model: parameters, seconds per training epoch on the intra-patient train split, inference
beats/s on its test split, and the time to load the saved model from trained_models/.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .config import data_dir


def _timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def bench_build(source) -> dict:
    from . import dataset

    with tempfile.TemporaryDirectory() as tmp:
        seconds, summary = _timed(lambda: dataset.build(source=source, out=tmp))
    return {"seconds": seconds, "seconds_cut": summary["seconds_cut"], "beats": summary["beats"]}


def bench_model(name: str, train, test, models=None, epochs: int = 1) -> dict:
    import keras

    from . import store
    from .models import build, predict_proba
    from .training import class_weights

    load_s, model = _timed(lambda: store.load_model(name, models), repeat=3)
    predict_proba(model, test.X[:2048])  # warm-up: builds the predict function
    infer_s, _ = _timed(lambda: predict_proba(model, test), repeat=2)
    card = store.load_card(name, models)
    fresh = build(card["kind"])
    fresh.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    t0 = time.perf_counter()
    fresh.fit(train.X[..., None], train.y, batch_size=card["config"]["batch_size"], epochs=epochs,
              class_weight=class_weights(train.y), verbose=0)
    epoch_s = (time.perf_counter() - t0) / epochs
    return {"params": int(model.count_params()), "seconds_per_epoch": epoch_s,
            "train_beats": len(train), "beats_per_s": len(test) / infer_s,
            "test_beats": len(test), "load_seconds": load_s}


def run_bench(models=None, data=None, source=None, epochs: int = 1, names=("lstm", "cnn")) -> dict:
    from . import dataset

    results = {}
    source = Path(source) if source else data_dir() / dataset.MITDB
    if source.is_dir():
        results["build"] = bench_build(source)
        b = results["build"]
        print(f"data build: {b['beats']:,} beats, all CSVs written, {b['seconds']:.1f} s "
              f"(cutting the beats: {b['seconds_cut']:.1f} s)", flush=True)
    else:
        print(f"data build: skipped (no WFDB records at {source}; give --source DIR)")
    if dataset.data_status(data) is None:
        print("models: skipped (no built data: run `python -m ecgdash data build`)")
        return results
    train = dataset.load_split("intra", "train", out=data)
    test = dataset.load_split("intra", "test", out=data)
    print(f"{'model':>8}{'params':>10}{'s/epoch':>10}{'beats/s':>10}{'load s':>9}"
          f"   (epoch: {len(train):,} beats; inference: {len(test):,} test beats)")
    for name in names:
        r = bench_model(name, train, test, models=models, epochs=epochs)
        results[name] = r
        print(f"{name:>8}{r['params']:>10,d}{r['seconds_per_epoch']:>10.1f}"
              f"{r['beats_per_s']:>10,.0f}{r['load_seconds']:>9.2f}", flush=True)
    return results

