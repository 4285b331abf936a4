"""Judge self-training on each record's confident beats, on the out-of-fold DS1 beats of
``studies/cross_validation/cv_folds.py`` (issue 12: "self-training on the record's confident beats").

For every fold model and each of its held-out records: the record's beats are scored, adapted
to the record's own prior over N, S and V (``adapt.em_prior``, the committed method), and the
beats the adapted model calls with probability >= ``--threshold`` become pseudo-labels. The
model's head (the layers after the pooled features and the RR context: the dense layers) is then
fine-tuned on them, the body frozen, each pseudo-class weighted by the inverse of its count (so
the record's many N beats do not drown the rest), and the record is scored again, adapted again.
No label of the record is read; labels only score the result. DS2 is never read.

    python studies/cross_validation/cv_selftrain.py [--cv data/cv] [--models robust_cnn,robust_lstm] [--threshold 0.9]

Measured (the 3-epoch fold models, 50,999 out-of-fold beats, head fine-tuned 5 epochs, Adam 1e-3;
macro-F1 over N, S, V, F, accuracy, S-F1, V-F1), prior N,S,V alone -> with self-training:
- threshold 0.90: CNN 0.5391 -> 0.5409 (accuracy 0.913 -> 0.900, S 0.499 -> 0.559, V 0.702 ->
  0.657); LSTM 0.5076 -> 0.5138 (0.927 -> 0.925, S 0.350 -> 0.400, V 0.707 -> 0.692);
- threshold 0.97: CNN 0.5391 -> 0.5276 (0.913 -> 0.911, S 0.499 -> 0.507, V 0.702 -> 0.649);
  LSTM 0.5076 -> 0.5330 (0.927 -> 0.926, S 0.350 -> 0.491, V 0.707 -> 0.680).
By the rule that chose the prior method (best mean macro-F1 of the two models with accuracy
within 0.02 of unadapted), 0.90 is out (CNN accuracy 0.900 vs 0.926 unadapted) and 0.97 gains
0.007, one seed, while V-F1 falls by 0.03-0.05 in every run: not adopted.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

#: The layer whose output is the features the head reads, and the head's layers, per model.
HEADS = {"robust_cnn": ("with_rr", ("dense", "class_probabilities")),
         "robust_lstm": ("pool", ("batchnorm", "dense", "class_probabilities"))}


def head_model(model, name: str):
    """The features model (body, frozen) and a trainable copy of the head, weights copied."""
    import keras

    feature_layer, head_layers = HEADS[name]
    body = keras.Model(model.inputs, model.get_layer(feature_layer).output)
    features = keras.Input(shape=body.output.shape[1:])
    x = features
    for layer_name in head_layers:
        source = model.get_layer(layer_name)
        clone = source.__class__.from_config(source.get_config())
        x = clone(x)
        clone.set_weights(source.get_weights())
        if isinstance(clone, keras.layers.BatchNormalization):
            clone.trainable = False
    return body, keras.Model(features, x)


def self_train(head, F: np.ndarray, proba: np.ndarray, threshold: float, epochs: int, lr: float):
    """Fine-tune ``head`` on the features ``F`` whose adapted probability >= ``threshold``."""
    import keras

    keep = proba.max(axis=1) >= threshold
    if keep.sum() < 20:
        return 0
    y = proba[keep].argmax(axis=1)
    counts = np.bincount(y, minlength=proba.shape[1]).astype(float)
    w = len(y) / (np.count_nonzero(counts) * counts[y])
    head.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy")
    head.fit(F[keep], y, sample_weight=w, epochs=epochs, batch_size=128, verbose=0, shuffle=True)
    return int(keep.sum())


def main() -> int:
    import keras
    from cv_adapt import held_out_records, score
    from cv_folds import cv_parser

    from ecgdash.models.adapt import em_prior
    from ecgdash.models.inference import model_inputs, predict_proba

    parser = cv_parser(__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    cv, source = Path(args.cv), Path(args.source)
    for name in args.models.split(","):
        ys, prior_only, trained, used, start = [], [], [], 0, time.perf_counter()
        for _, model, prior, _, beats in held_out_records(name, cv, source):
            keras.utils.set_random_seed(0)
            adapted = em_prior(predict_proba(model, beats), prior, classes=(0, 1, 2))[0]
            body, head = head_model(model, name)
            F = np.asarray(body.predict(model_inputs(model, beats), batch_size=4096, verbose=0))
            used += self_train(head, F, adapted, args.threshold, args.epochs, args.lr)
            again = np.asarray(head.predict(F, batch_size=4096, verbose=0), dtype=np.float64)
            ys.append(beats.y)
            prior_only.append(adapted)
            trained.append(em_prior(again, prior, classes=(0, 1, 2))[0])
        y = np.concatenate(ys)
        print(f"{name}: {len(y):,} out-of-fold DS1 beats, {used:,} pseudo-labelled (p >= {args.threshold}), "
              f"{time.perf_counter() - start:.0f} s")
        for label, probas in (("prior N,S,V", prior_only), ("+ self-training", trained)):
            r = score(y, np.concatenate(probas))
            print(f"  {label:<16} accuracy {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f}  "
                  f"S-F1 {r['S_f1']:.3f}  V-F1 {r['V_f1']:.3f}  F-F1 {r['F_f1']:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
