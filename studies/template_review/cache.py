"""Score each record of a set once and keep what a template review needs, so that the review
methods can be compared in seconds (numpy only) instead of rescoring the records each time.

    python studies/template_review/cache.py ds2             # DS2 with the shipped robust pair
    python studies/template_review/cache.py ds1             # DS1 with the shipped pair (trained on them)
    python studies/template_review/cache.py svdb-fold       # svdb-dev out of fold: each record
                                                            # scored by the fold models that never saw it

Per record, ``data/studies/template_review/<set>/<record>.npz`` (git-ignored: cut from the
databases' samples): the lead the models read, its rate, the beat marks, the reference classes,
and per model its probabilities and features (``models.inference.predict_features``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "studies" / "beyond_mitbih"))

from ecgdash.config import DS1, DS2, data_dir  # noqa: E402
from ecgdash.datasets.mitbih import list_records  # noqa: E402
from ecgdash.models import store  # noqa: E402
from ecgdash.models.inference import predict_features  # noqa: E402
from ecgdash.pipeline.record import analyze_record  # noqa: E402
from ecgdash.runtime import import_tensorflow_quietly  # noqa: E402

OUT = data_dir() / "studies" / "template_review"
SHARED = ROOT.parent / "shared" / "data"
MODELS = ("robust_lstm", "robust_cnn")


def cache_record(folder: Path, name: str, models: dict, dest: Path) -> None:
    result = analyze_record(folder / name, models=models, use_annotations=True, check_quality=False)
    signal = result.recording.lead_signal(result.lead)
    arrays = {"signal": signal.signal.astype(np.float32), "fs": np.float64(result.recording.fs),
              "marks": result.beats.sample, "y": result.beats.y}
    for model_name, model in models.items():
        proba, features = predict_features(model, result.beats)
        arrays[f"{model_name}_proba"], arrays[f"{model_name}_features"] = proba, features
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(dest)


def jobs(which: str) -> list[tuple[Path, str, dict]]:
    """(folder, record, models) of a set."""
    if which in ("ds1", "ds2"):
        models = {n: store.load_model(n) for n in MODELS}
        return [(SHARED / "mitdb", r, models) for r in (DS1 if which == "ds1" else DS2)]
    if which == "svdb-fold":
        from more_people import folds, run_folder

        svdb = SHARED / "svdb-dev"
        out = []
        for fold, records in enumerate(folds(svdb)):
            if not all((run_folder(str(fold)) / f"{n}.json").is_file() for n in MODELS):
                print(f"fold {fold}: its models are not trained yet (more_people.py --fold {fold})")
                continue
            models = {n: store.load_model(n, folder=run_folder(str(fold))) for n in MODELS}
            out += [(svdb, r, models) for r in records]
        return out
    if which == "svdb-shipped":
        models = {n: store.load_model(n) for n in MODELS}
        svdb = SHARED / "svdb-dev"
        return [(svdb, r, models) for r in list_records(svdb)]
    raise SystemExit(f"unknown set {which}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=["ds1", "ds2", "svdb-fold", "svdb-shipped"])
    args = parser.parse_args(argv)
    import_tensorflow_quietly()
    for folder, name, models in jobs(args.set):
        dest = OUT / args.set / f"{name}.npz"
        if not dest.is_file():
            cache_record(folder, name, models, dest)
            print(args.set, name, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
