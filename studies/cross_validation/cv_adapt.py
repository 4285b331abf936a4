"""Judge label-free adaptation on the out-of-fold DS1 beats of ``studies/cross_validation/cv_folds.py``.

For every fold model and each of its held-out records, the record's beats are scored as they
are, with the record's class prior re-estimated (``adapt.em_prior``), with BatchNorm statistics
of the record (``adapt.batchnorm_statistics``), and with both; the table pools all DS1 beats.
No label is used to adapt; labels only score the result. DS2 is never read.

    python studies/cross_validation/cv_adapt.py [--cv data/cv] [--models robust_cnn,robust_lstm]
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

METHODS = ("none", "prior", "prior N,S,V", "prior N,S", "batchnorm", "batchnorm+prior N,S,V")


def score(y, proba) -> dict:
    from sklearn.metrics import f1_score

    pred = proba.argmax(1)
    f1 = f1_score(y, pred, labels=range(5), average=None, zero_division=0)
    return {"accuracy": float(np.mean(pred == y)), "macro_f1": float(np.mean(f1[:4])),
            "S_f1": float(f1[1]), "V_f1": float(f1[2]), "F_f1": float(f1[3])}


def fold_model(npz: Path, source: Path, adjust: bool = True):
    """A fold's saved model, its saved npz, and the class prior it learned: its fitting counts,
    with the S prior raised on its own validation records as the committed pair's was."""
    import keras

    from ecgdash.datasets.mitbih import annotated_beats, read_records
    from ecgdash.models.adapt import train_prior_of
    from ecgdash.models.prior import adjust_prior

    saved = np.load(npz)
    model = keras.models.load_model(npz.with_suffix(".keras"), compile=False)
    prior = saved["fit_counts"] / saved["fit_counts"].sum()
    if adjust:
        chosen = adjust_prior(model, annotated_beats(read_records(source, [str(r) for r in saved["val"]])))
        prior = train_prior_of({"data": {"fit_counts": saved["fit_counts"].tolist()},
                                "logit_adjustment": chosen})
        print(f"  {npz.stem}: S prior x{chosen['scale']:g}", flush=True)
    return model, saved, prior


def held_out_records(name: str, cv: Path, source: Path, *, adjust: bool = True):
    """Each fold model of ``name`` in ``cv`` with each record it never saw: yields (fold
    number, model, the prior it learned (``fold_model``), record, the record's annotated beats)."""
    import keras

    from ecgdash.datasets.mitbih import annotated_beats, read_records

    for k, npz in enumerate(sorted(Path(cv).glob(f"{name}_fold*.npz"))):
        model, saved, prior = fold_model(npz, source, adjust=adjust)
        for record in saved["held_out"]:
            yield k, model, prior, str(record), annotated_beats(read_records(source, [str(record)]))
        keras.backend.clear_session()


def main() -> int:
    from cv_folds import cv_parser

    from ecgdash.models.adapt import batchnorm_statistics, em_prior
    from ecgdash.models.inference import model_inputs, predict_proba

    parser = cv_parser(__doc__.splitlines()[0])
    parser.add_argument("--no-adjust", action="store_true",
                        help="skip the S prior adjustment on each fold's validation records "
                             "(the committed recipe applies it)")
    args = parser.parse_args()
    cv, source = Path(args.cv), Path(args.source)
    for name in args.models.split(","):
        ys, out = [], {m: [] for m in METHODS}
        for _, model, prior, _, beats in held_out_records(name, cv, source, adjust=not args.no_adjust):
            raw = predict_proba(model, beats)
            with batchnorm_statistics(model, model_inputs(model, beats)):
                bn = predict_proba(model, beats)
            ys.append(beats.y)
            out["none"].append(raw)
            out["prior"].append(em_prior(raw, prior)[0])
            out["prior N,S,V"].append(em_prior(raw, prior, classes=(0, 1, 2))[0])
            out["prior N,S"].append(em_prior(raw, prior, classes=(0, 1))[0])
            out["batchnorm"].append(bn)
            out["batchnorm+prior N,S,V"].append(em_prior(bn, prior, classes=(0, 1, 2))[0])
        if not ys:
            print(f"{name}: no folds in {cv}")
            continue
        y = np.concatenate(ys)
        print(f"{name}: {len(y):,} out-of-fold DS1 beats (macro-F1 over N, S, V, F)")
        for m in METHODS:
            r = score(y, np.concatenate(out[m]))
            print(f"  {m:<22} accuracy {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f}  "
                  f"S-F1 {r['S_f1']:.3f}  V-F1 {r['V_f1']:.3f}  F-F1 {r['F_f1']:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
