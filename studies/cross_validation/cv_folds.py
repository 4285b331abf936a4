"""Grouped cross-validation over whole DS1 records: fold models and their out-of-fold beats.

Each fold holds out about a quarter of the DS1 records (never a record on both sides); the
robust recipe trains on the rest (two of them held out again for its own validation), and the
held-out records' beats are scored. What it writes, in ``--out`` (default data/cv/):

- ``{model}_fold{k}.keras``: the fold model (resumable: a fold already written is skipped);
- ``{model}_fold{k}.npz``: its held-out beats: record, sample, label, probabilities.

Every choice of issue 12 (features, adaptation method) is then judged on these out-of-fold beats
of DS1; DS2 is never read here.

    python studies/cross_validation/cv_folds.py --epochs 3 [--models robust_cnn,robust_lstm] [--folds 4]

Short runs (``--epochs 3``) rank choices; the committed recipe is then trained in full.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ecgdash.config import DS1

ROOT = Path(__file__).resolve().parents[2]


def folds(records=DS1, k: int = 4) -> list[list[str]]:
    """``k`` groups of whole records, dealt round-robin in the records' order."""
    records = sorted(records)
    return [records[i::k] for i in range(k)]


def run_fold(name: str, k: int, held_out: list[str], source: Path, out: Path, epochs: int, seed: int) -> None:
    import keras

    from ecgdash.datasets.mitbih import annotated_beats, read_records
    from ecgdash.models.inference import predict_proba
    from ecgdash.training.recipes import preset
    from ecgdash.training.robust import train_robust

    model_path, beats_path = out / f"{name}_fold{k}.keras", out / f"{name}_fold{k}.npz"
    if model_path.is_file() and beats_path.is_file():
        print(f"{name} fold {k}: done already", flush=True)
        return
    train = [r for r in DS1 if r not in held_out]
    val = train[::len(train) // 2][:2]            # two training records validate (early stopping)
    start = time.perf_counter()
    model, card = train_robust(name, source, config=preset("robust", epochs=epochs, patience=epochs, seed=seed),
                               records=train, val_records=val, adjust=False)
    test = annotated_beats(read_records(source, held_out))
    proba = predict_proba(model, test)
    tmp = out / f".{name}_fold{k}.keras"
    model.save(tmp)
    tmp.replace(model_path)
    np.savez(beats_path.with_suffix(".tmp.npz"), record=test.record, sample=test.sample, y=test.y, proba=proba,
             held_out=np.array(held_out), val=np.array(val), epochs=card["epochs_run"],
             fit_counts=np.array(card["data"]["fit_counts"]))
    beats_path.with_suffix(".tmp.npz").replace(beats_path)
    acc = float(np.mean(proba.argmax(1) == test.y))
    print(f"{name} fold {k}: held out {', '.join(held_out)}; {len(test):,} beats, accuracy {acc:.4f}; "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    keras.backend.clear_session()


def cv_parser(description: str, folder: str = "--cv") -> argparse.ArgumentParser:
    """The options every CV script shares: the WFDB folder, the fold folder, the models."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--source", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    parser.add_argument(folder, default=str(ROOT / "data" / "cv"))
    parser.add_argument("--models", default="robust_cnn,robust_lstm")
    return parser


def main() -> int:
    parser = cv_parser(__doc__.splitlines()[0], folder="--out")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.models.split(","):
        for k, held_out in enumerate(folds(k=args.folds)):
            run_fold(name, k, held_out, Path(args.source), out, args.epochs, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
