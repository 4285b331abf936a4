"""Training: one function that the CLI, the Train page and the tests all call.

    model, card = train_model("cnn", train_beats, test=test_beats)   # the reference recipe
    model, card = train_model("cnn", train_beats, config=preset("reference", epochs=5))
    store.save_model("cnn", model, card)

A validation part is taken from the training beats (stratified, fixed seed; never the test set).
Class imbalance (N is 83 % of the beats) is handled where it matters: the validation part is
stratified so every class is in it, and the model is chosen by validation **macro-F1** (each
class counts the same), not by loss or accuracy, which N dominates. Class weights are available
(``class_weight="sqrt"`` or ``"balanced"``) but are off by default: measured here, sqrt weights
lowered the validation macro-F1 of both models (LSTM 0.84 vs 0.89 after 10 epochs). The learning
rate follows a cosine from ``learning_rate`` to ``min_learning_rate`` over ``epochs``; training
early-stops after ``patience`` epochs without a better validation macro-F1 and keeps the best
epoch's weights.
"""
from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict
from typing import Callable

import numpy as np
import sklearn
from sklearn.utils.class_weight import compute_class_weight

from ecgdash.beats import Beats
from ecgdash.config import CLASSES, N_CLASSES
from ecgdash.datasets.fingerprints import row_fingerprints
from ecgdash.datasets.mitbih import hash_beats
from ecgdash.errors import DataError
from ecgdash.evaluation.metrics import evaluate, macro_nsv
from ecgdash.models import registry
from ecgdash.models.builders import layer_table
from ecgdash.models.inference import model_inputs, predict_proba
from ecgdash.training.checkpoint import Checkpoint
from ecgdash.training.extension import Extension
from ecgdash.training.recipes import TrainConfig, preset

#: The name a training model around a classifier gives the classes' output
#: (``training.extension.Extension.trainer``).
CLASSES_OUTPUT = "class_probabilities"
#: Called after each epoch with (epoch number from 1, max epochs, that epoch's history row).
EpochCallback = Callable[[int, int, dict], None]


def stratified_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (rest, part) with ``fraction`` of each class in ``part`` (at least 1 if possible).

    Not scikit-learn's ``train_test_split(stratify=y)``: that one refuses a class with a single
    beat (a record's rare class, a small subset), and the shipped models' validation beats were
    drawn by this generator (their cards name the seed): changing it would train other models.
    """
    rng = np.random.default_rng(seed)
    part = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        k = int(round(fraction * len(members)))
        if len(members) >= 2:
            k = min(max(k, 1), len(members) - 1)
        part.append(members[:k])
    part = np.sort(np.concatenate(part)) if part else np.array([], dtype=np.int64)
    rest = np.setdiff1d(np.arange(len(y)), part)
    return rest, part


def stratified_subset(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of exactly ``size`` beats keeping the class proportions (every present class
    kept when ``size`` allows): rounding per class is evened out in the most common class."""
    if size >= len(y):
        return np.arange(len(y))
    rest, part = stratified_split(y, size / len(y), seed)
    common = np.bincount(y).argmax()
    extra = len(part) - size
    if extra > 0:
        part = np.delete(part, np.flatnonzero(y[part] == common)[:extra])
    elif extra < 0:
        fill = rest[np.argsort(y[rest] != common, kind="stable")][:-extra]
        part = np.sort(np.concatenate([part, fill]))
    return part


def class_weights(y: np.ndarray, mode: str = "sqrt") -> dict[int, float] | None:
    """Per-class loss weights, normalised so that the average beat weighs 1: scikit-learn's
    "balanced" weights (``compute_class_weight``), or their square root ("sqrt"), or None.

    Examples
    --------
    >>> w = class_weights(np.array([0, 0, 0, 1]), "balanced")
    >>> round(w[0], 3), round(w[1], 3)
    (0.667, 2.0)
    >>> w = class_weights(np.array([0, 0, 0, 1]), "sqrt")
    >>> round(3 * w[0] + 1 * w[1], 6)
    4.0
    """
    if mode == "none":
        return None
    y = np.asarray(y)
    present = np.unique(y)
    counts = np.bincount(y, minlength=N_CLASSES)[present]
    w = compute_class_weight("balanced", classes=present, y=y) ** (0.5 if mode == "sqrt" else 1.0)
    w *= len(y) / np.sum(w * counts)
    return {int(c): float(v) for c, v in zip(present, w)}


def cosine_lr(epoch: int, config: TrainConfig) -> float:
    """Learning rate of ``epoch`` (0-based): a half cosine from the start rate to the floor."""
    span = max(config.epochs - 1, 1)
    lo, hi = config.min_learning_rate, config.learning_rate
    return lo + 0.5 * (hi - lo) * (1 + math.cos(math.pi * min(epoch, span) / span))


def _versions() -> dict:
    import keras
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__, "scikit-learn": sklearn.__version__}


class EpochMonitor:
    """Each epoch's validation (loss, accuracy, macro-F1 of the classes and of N, S and V) written
    into the epoch's logs and the history, early stopping on ``select(row)`` (default: the
    validation macro-F1) with the best
    weights kept, and the state a checkpoint saves after each epoch.

    Keras drives it through two of its own callbacks (``callbacks()``): ``LearningRateScheduler``
    for the cosine schedule, ``LambdaCallback`` for the rest. Keras' ``EarlyStopping`` and
    ``BackupAndRestore`` are not used: ``EarlyStopping`` resets its best score, wait and best
    weights at the start of every ``fit``, and ``BackupAndRestore`` keeps the weights, the optimizer
    and the epoch but neither that state nor the history, so a run resumed after a kill would stop
    at another epoch than the run it continues. With ``training.checkpoint`` a killed and resumed
    run ends bit for bit as the uninterrupted one (``tests/test_training.py`` checks it).

    ``classifier``: the model validated and kept; ``trainer``: the model being fit (the
    classifier itself, or a training model around it, ``training.extension``).
    """

    def __init__(self, classifier, trainer, val: Beats, config: TrainConfig, *,
                 on_epoch: EpochCallback | None = None, checkpoint=None, select=None):
        self.classifier, self.trainer, self.val, self.config = classifier, trainer, val, config
        self.select = select or Extension().select
        self.on_epoch, self.checkpoint = on_epoch, checkpoint
        self.history: list[dict] = []
        self.best, self.best_epoch, self.best_weights, self.wait = -1.0, 0, None, 0
        self.stopped = False
        self.seconds_before = 0.0     # training time of the runs this one resumes
        self.resumed_at: list[int] = []
        self.t_start = self.t_epoch = 0.0

    def callbacks(self) -> list:
        """The Keras callbacks that run this monitor during ``fit``."""
        import keras

        return [keras.callbacks.LearningRateScheduler(lambda epoch, _lr: cosine_lr(epoch, self.config)),
                keras.callbacks.LambdaCallback(on_train_begin=self.train_begin, on_epoch_begin=self.epoch_begin,
                                               on_epoch_end=self.epoch_end, on_train_end=self.train_end)]

    def restore(self, state: dict, best_weights) -> int:
        """Take over a checkpoint's state; returns the epoch to go on from (0-based)."""
        self.history[:] = state["history"]
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        self.best_weights = best_weights
        self.stopped = state["stopped"]
        self.seconds_before = state["seconds"]
        self.resumed_at = state.get("resumed_at", []) + [len(self.history) + 1]
        return self.config.epochs if self.stopped else len(self.history)

    def train_begin(self, logs=None) -> None:
        self.t_start = time.perf_counter()

    def epoch_begin(self, epoch: int, logs=None) -> None:
        self.t_epoch = time.perf_counter()

    def epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs if logs is not None else {}
        row = self._row(epoch, logs)
        logs.update({k: v for k, v in row.items() if k.startswith("val_")})   # macro-F1 in Keras' logs too
        self.history.append(row)
        score = self.select(row)
        if score > self.best + 1e-4:
            self.best, self.best_epoch, self.wait = score, epoch + 1, 0
            self.best_weights = self.classifier.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.config.patience:
                self.trainer.stop_training = self.stopped = True
        if self.checkpoint is not None:
            self.checkpoint.save(self.trainer, {
                "history": self.history, "best": self.best, "best_epoch": self.best_epoch,
                "wait": self.wait, "stopped": self.stopped, "resumed_at": self.resumed_at,
                "seconds": self.seconds_before + time.perf_counter() - self.t_start},
                self.best_weights)
        if self.on_epoch:
            self.on_epoch(epoch + 1, self.config.epochs, row)

    def train_end(self, logs=None) -> None:
        if self.best_weights is not None:
            self.classifier.set_weights(self.best_weights)

    def _row(self, epoch: int, logs: dict) -> dict:
        """The history row of ``epoch`` (0-based): Keras' training loss and accuracy, the
        validation beats scored once, the learning rate and the epoch's seconds."""
        import keras

        val = self.val
        proba = predict_proba(self.classifier, val)
        ev = evaluate(val.y, proba)
        p_true = np.clip(proba[np.arange(len(val.y)), val.y], 1e-7, 1 - 1e-7)
        row = {"epoch": epoch + 1,
               "loss": float(logs.get(f"{CLASSES_OUTPUT}_loss", logs.get("loss", np.nan))),
               "accuracy": float(logs.get(f"{CLASSES_OUTPUT}_accuracy", logs.get("accuracy", np.nan))),
               "val_loss": float(np.mean(-np.log(p_true))),   # Keras' cross-entropy
               "val_accuracy": ev["accuracy"], "val_macro_f1": ev["macro_f1"], "val_macro_nsv": macro_nsv(ev),
               "learning_rate": float(keras.ops.convert_to_numpy(self.trainer.optimizer.learning_rate)),
               "seconds": round(time.perf_counter() - self.t_epoch, 2)}
        for key, value in logs.items():          # a training model's other heads' losses
            if key.endswith("_loss") and not key.startswith((CLASSES_OUTPUT, "val_")):
                row[key] = float(value)
        return row


def _inputs(model, beats: Beats):
    """What ``fit`` takes as x for ``beats``: one array, or [beats, RR context]."""
    arrays = model_inputs(model, beats)
    return arrays[0] if len(arrays) == 1 else list(arrays)


def fit(model, fit_data, val: Beats, config: TrainConfig, on_epoch: EpochCallback | None = None,
        verbose: int = 0, class_weight: dict | None = None, checkpoint=None,
        trainer=None, select=None) -> dict:
    """Compile and fit ``model`` on ``fit_data`` (a labelled ``Beats`` or a Keras ``PyDataset``),
    validating on ``val`` each epoch (macro-F1, early stopping, best weights kept).

    ``trainer``: a training model around ``model`` (``training.extension.Extension.trainer``),
    fit instead of it, with ``fit_data`` giving its targets; ``model`` is validated and kept.
    ``select``: the score of an epoch's history row that picks the epoch (default: its
    validation macro-F1; ``Extension.select``).

    The validation beats are scored once per epoch, by the callback (loss, accuracy, macro-F1),
    not a second time by Keras. With a ``checkpoint`` (``ecgdash.training.checkpoint.Checkpoint``) the
    state is written after each epoch and a run that left its state there goes on from the next
    epoch (a ``PyDataset`` with ``start_at(epoch)`` is told which); the folder stays, locked
    while this runs, until whoever saves the model removes it (``Checkpoint.clear``).

    Returns the training summary for the card: history, epochs, best epoch, seconds, and the
    epochs where the run was resumed (``resumed_at``, empty when it ran in one go).
    """
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = config.batchnorm_momentum
    optimizer = keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm)
    if trainer is None:
        trainer = model
        trainer.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    else:
        trainer.compile(optimizer=optimizer, loss={name: "sparse_categorical_crossentropy"
                                                   for name in trainer.output_names},
                        metrics={CLASSES_OUTPUT: ["accuracy"]})
    monitor = EpochMonitor(model, trainer, val, config, on_epoch=on_epoch, checkpoint=checkpoint, select=select)
    history = monitor.history
    initial_epoch = 0
    if checkpoint is not None:
        checkpoint.acquire()
    try:
        saved = checkpoint.load(trainer) if checkpoint is not None else None
        if saved is not None:
            initial_epoch = monitor.restore(*saved)
            if hasattr(fit_data, "start_at"):
                fit_data.start_at(initial_epoch)
        kwargs = dict(epochs=config.epochs, initial_epoch=initial_epoch, callbacks=monitor.callbacks(),
                      verbose=verbose)
        t0 = time.perf_counter()
        if isinstance(fit_data, Beats):
            trainer.fit(_inputs(model, fit_data), fit_data.y, batch_size=config.batch_size,
                        class_weight=class_weight, shuffle=True, **kwargs)
        else:
            trainer.fit(fit_data, **kwargs)
    finally:
        if checkpoint is not None:
            checkpoint.release()
    seconds = monitor.seconds_before + time.perf_counter() - t0
    return {
        "epochs_run": len(history),
        "best_epoch": monitor.best_epoch,
        # the best epoch's macro-F1, also when another score chose the epoch (``select``)
        "best_val_macro_f1": (history[monitor.best_epoch - 1]["val_macro_f1"]
                              if 0 < monitor.best_epoch <= len(history) else monitor.best),
        "train_seconds": round(seconds, 1),
        "seconds_per_epoch": round(float(np.mean([h["seconds"] for h in history])), 2) if history else None,
        "history": history,
        "resumed_at": monitor.resumed_at,
    }


def make_card(name: str, model, summary: dict, config: TrainConfig, data: dict,
              class_weight) -> dict:
    """The model card of registered model ``name`` (see ``train_model``), without the evaluation."""
    spec = registry.spec(name)
    return {
        "kind": spec.architecture,
        "architecture": layer_table(model),
        "params": int(model.count_params()),
        **{k: v for k, v in summary.items() if k != "history"},
        "split": spec.split.value,
        "recipe": spec.recipe,
        "data": {**data, "classes": list(CLASSES)},
        "config": asdict(config),
        "class_weight": class_weight,
        "seed": config.seed,
        "versions": _versions(),
        "trained": time.strftime("%Y-%m-%d %H:%M:%S"),
        "history": summary["history"],
    }


def records_of(beats: Beats) -> list[str] | None:
    """The records ``beats`` came from, sorted (None when the beats carry no record)."""
    return None if beats.record is None else sorted(np.unique(np.asarray(beats.record).astype(str)).tolist())


def train_rows(beats: Beats) -> dict:
    """What a card records of the rows a model trained on: how many, and their fingerprints
    (``ecgdash.datasets.fingerprints``; ``store.save_model`` writes them to a file beside the model)."""
    return {"rows": int(len(beats)), "fingerprints": row_fingerprints(beats.X)}


def add_evaluation(card: dict, model, test: Beats) -> dict:
    """Evaluate ``model`` on labelled ``test`` beats into ``card["evaluation"]``: the report,
    which test set it is, its records, and a hash of the test beats (two cards are compared
    side by side only when they were scored on the same beats)."""
    t1 = time.perf_counter()
    proba = predict_proba(model, test)
    card["evaluation"] = evaluate(test.y, proba)
    card["evaluation"]["test_set"] = registry.Split.parse(card["split"]).test_set
    card["evaluation"]["test_records"] = records_of(test)
    card["evaluation"]["test_sha256"] = hash_beats(test.X, test.y)
    card["evaluation"]["seconds"] = round(time.perf_counter() - t1, 2)
    return card


def one_class_advice(card: dict) -> str | None:
    """What to change when a freshly trained model predicts a single class on its test beats.

    Parameters
    ----------
    card : dict
        A card with ``evaluation`` (``add_evaluation``).

    Returns
    -------
    str or None
        A plain-words explanation and what to change, or None when the model's calls on the
        test beats cover more than one class (or the card holds no evaluation).
    """
    ev = card.get("evaluation")
    if not ev or not ev.get("confusion"):
        return None
    called = np.asarray(ev["confusion"]).sum(axis=0)
    if np.count_nonzero(called) != 1:
        return None
    only = CLASSES[int(np.argmax(called))]
    lstm = str(card.get("kind", "")).startswith("lstm")
    more = ("The LSTM learns more slowly than the CNN: give it two to three times the epochs "
            "(e.g. 12-15 instead of 5)" if lstm else "Give it more epochs")
    return (f"This model calls every test beat **{only}**. Its accuracy "
            f"({ev['accuracy']:.3f}) is only the share of {only} beats: it has learned how common "
            f"the classes are, not what they look like (macro-F1 {ev['macro_f1']:.3f}). "
            f"{more}, or train on more beats (a larger subset, or all of them).")


def extended(extension: Extension) -> dict:
    """``{"extension": what it changes}`` for a card or a checkpoint; {} for the committed recipe
    (so a checkpoint of the committed recipe is found again as before)."""
    described = extension.describe()
    return {"extension": described} if described else {}


def train_model(name: str, train: Beats, *, config: TrainConfig | None = None,
                test: Beats | None = None, on_epoch: EpochCallback | None = None,
                verbose: int = 0, checkpoint=None, extension: Extension | None = None):
    """Train a fresh reference-recipe model on labelled beats.

    Parameters
    ----------
    name : str
        A registered reference-recipe model ("lstm", "cnn", "lstm_inter", "cnn_inter"): it
        decides the architecture and the split written in the card.
    train : Beats
        Labelled training beats. A stratified validation part (``config.val_fraction``) is
        taken from them; the model is chosen by validation macro-F1.
    config : TrainConfig, optional
        Default: ``preset("reference")`` (50 epochs, patience 20, cosine learning rate).
    test : Beats, optional
        Labelled test beats: the card then holds the evaluation on them.
    on_epoch : callable, optional
        Called after each epoch with (epoch from 1, max epochs, that epoch's history row).
    verbose : int, default 0
        Keras' own progress output.
    checkpoint : str or Path, optional
        A folder for the run's state after each epoch: started again with the same folder,
        name, data and config, an interrupted run goes on from its last finished epoch
        (``ecgdash.training.checkpoint``). It stays after the run, so that a kill before the
        model is saved costs no epoch: remove it once saved (the CLI does).
    extension : training.extension.Extension, optional
        What a study changes (the network, the score that picks the epoch); the card names it.

    Returns
    -------
    (keras.Model, dict)
        The model (best epoch's weights) and its card: architecture, parameters, epochs run
        and the best epoch, train time, split and a hash of the training data, seed, library
        versions, the per-epoch history and, with ``test``, the evaluation.
    """
    import keras

    spec = registry.spec(name)
    if spec.recipe != "reference":
        raise DataError(f"{name} is trained with the {spec.recipe} recipe: use "
                        "ecgdash.training.robust.train_robust.")
    config = config or preset("reference")
    if train.y is None:
        raise DataError("Training beats need labels.")
    keras.utils.set_random_seed(config.seed)
    data_hash = hash_beats(train.X, train.y)
    n_source = len(train)
    if config.subset:
        train = train.subset(stratified_subset(train.y, config.subset, config.seed))
    fit_idx, val_idx = stratified_split(train.y, config.val_fraction, config.seed)
    fit_beats, val_beats = train.subset(fit_idx), train.subset(val_idx)
    extension = extension or Extension()
    model = extension.build(name)
    if extension.trainer(model, None) is not None:     # Kaggle rows carry no record
        raise DataError("A training model around the network needs whole records: it is an option of "
                        "the robust recipe (train_robust), not of the Kaggle rows' reference recipe.")
    weights = class_weights(fit_beats.y, config.class_weight)
    ckpt = None if checkpoint is None else Checkpoint(checkpoint, fingerprint={
        "name": name, "config": asdict(config), "train_sha256": data_hash, **extended(extension)})
    summary = fit(model, fit_beats, val_beats, config, on_epoch, verbose, weights, ckpt, select=extension.select)
    data = {"train_beats": n_source, "train_sha256": data_hash, "records": records_of(train),
            "used_beats": int(len(train)),
            "fit_beats": int(len(fit_idx)), "val_beats": int(len(val_idx)),
            "fit_counts": np.bincount(fit_beats.y, minlength=N_CLASSES).tolist(),
            "val_counts": np.bincount(val_beats.y, minlength=N_CLASSES).tolist()}
    card = make_card(name, model, summary, config, data, weights) | extended(extension)
    card["train_rows"] = train_rows(train)
    if test is not None and test.y is not None:
        add_evaluation(card, model, test)
    return model, card
