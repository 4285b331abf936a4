"""``ecgdash explain PATH``: per-sample attributions of a beat file, written to CSV."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ecgdash.cli.common import data_folder, model_name, quiet_tensorflow, whole
from ecgdash.config import CLASSES
from ecgdash.io.beats_csv import load_beats
from ecgdash.io.files import atomic_write, output_file
from ecgdash.models import store
from ecgdash.models.explain import explain
from ecgdash.models.inference import predict_proba


def add_parser(sub) -> None:
    ex = sub.add_parser("explain", help="write per-sample attributions of a beat file to CSV")
    ex.add_argument("path", help="a beat CSV (any layout the loader reads)")
    ex.add_argument("--model", default="cnn", type=model_name, help="the model's name (default cnn)")
    ex.add_argument("--models-dir", help="model folder (default: trained_models/, then your own)")
    ex.add_argument("--method", choices=["ig", "gradcam"], default="ig",
                    help="integrated gradients (default) or Grad-CAM (CNN only)")
    ex.add_argument("--target", choices=list(CLASSES), help="explain this class (default: the predicted one)")
    ex.add_argument("--rows", type=whole(1), help="only the first N beats")
    ex.add_argument("--out", help="output CSV (default data/explanations/NAME_MODEL_METHOD.csv)")
    ex.set_defaults(run=run)


def run(args) -> int:
    name = f"{Path(args.path).name.split('.')[0]}_{args.model}_{args.method}.csv"
    out = output_file(args.out if args.out else data_folder(args) / "explanations" / name)   # before the work
    quiet_tensorflow()
    beats = load_beats(args.path)
    if args.rows:
        beats = beats.subset(np.arange(min(args.rows, len(beats))))
    model = store.load_model(args.model, folder=args.models_dir)
    proba = predict_proba(model, beats)
    target = args.target or None
    attributions = explain(model, beats, target=target, method=args.method)
    classes = proba.argmax(axis=1) if target is None else np.full(len(beats), CLASSES.index(target))
    table = pd.DataFrame({"beat": np.arange(len(beats)), "class": np.asarray(CLASSES)[classes],
                          "probability": proba[np.arange(len(beats)), classes].round(6)})
    samples = pd.DataFrame(attributions, columns=[f"a{i}" for i in range(attributions.shape[1])])
    frame = pd.concat([table, samples], axis=1)
    try:
        atomic_write(out, lambda f: f.write(frame.to_csv(index=False, float_format="%.6g").encode()))
    except OSError as exc:
        print(f"error: could not write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(beats)} beats explained by {args.model} ({args.method}, towards "
          f"{'each predicted class' if target is None else 'class ' + target}); attributions "
          f"(one column per sample, a0..a{attributions.shape[1] - 1}) in {out}")
    return 0
