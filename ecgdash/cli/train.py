"""``ecgdash train``: train models and save them as the user's own (never over a shipped one)."""
from __future__ import annotations

import shutil
from pathlib import Path

from ecgdash.cli.common import data_folder, epoch_printer, model_name, quiet_tensorflow, whole
from ecgdash.config import data_dir, models_dir
from ecgdash.datasets import mitbih
from ecgdash.errors import DataError
from ecgdash.evaluation.metrics import format_report
from ecgdash.models import registry, store
from ecgdash.training.checkpoint import saved_in
from ecgdash.training.recipes import PRESETS, AugmentConfig, preset
from ecgdash.training.reference import train_model
from ecgdash.training.robust import train_robust, validation_records


def add_parser(sub) -> None:
    train = sub.add_parser("train", help="train models and save them as your own (data/user_models/)")
    train.add_argument("--model", default="all",
                       choices=["lstm", "cnn", "all", *registry.PAIRS["robust"], "robust"],
                       help="robust_*: trained patient-wise on the DS1 records of --source, "
                            "with augmentation and RR context")
    train.add_argument("--split", choices=[s.value for s in registry.Split], default="intra")
    ref, rob = PRESETS["reference"], PRESETS["robust"]
    train.add_argument("--epochs", type=whole(1, maximum=10_000),
                       help=f"maximum epochs (default {ref.epochs}; robust models {rob.epochs})")
    train.add_argument("--batch-size", type=whole(1, maximum=1_000_000), help=f"default {ref.batch_size} (the recipes')")
    train.add_argument("--patience", type=whole(1),
                       help="stop after this many epochs without a better validation macro-F1 "
                            f"(default {ref.patience}; robust models {rob.patience})")
    train.add_argument("--threads", type=whole(1, maximum=1024), help="TensorFlow intra-op threads (default: all cores)")
    train.add_argument("--source", help="WFDB folder for the robust models (default data/mitdb)")
    train.add_argument("--also", action="append", metavar="DIR", default=[],
                       help="robust models: train on every annotated record of this WFDB folder "
                            "too (another database, any rate; 3 of its records validate); repeatable")
    train.add_argument("--copies", type=whole(1, maximum=100),
                       help=f"robust models: augmented passes over DS1 per epoch "
                            f"(default {AugmentConfig().copies})")
    train.add_argument("--class-weight", default=None, choices=["none", "sqrt", "balanced"],
                       help="class weights (default none)")
    train.add_argument("--subset", type=whole(SMALLEST), help="train on a stratified subset of this many "
                       f"beats (at least {SMALLEST}: fewer leave no beat to validate on)")
    train.add_argument("--seed", type=whole(0, maximum=2 ** 32 - 1), help=f"default {ref.seed} (the recipes')")
    train.add_argument("--name", type=model_name,
                       help="save under this name (letters, digits, _ and -; never a path; refused when "
                       "taken). Default: my-cnn-1, my-lstm-2, ... in data/user_models/; with "
                       "--models-dir DIR: lstm, cnn, lstm_inter, ...")
    train.add_argument("--models-dir", help="save into this model folder under the registered "
                       "names (default: your own folder, data/user_models/, as my-<model>-<n>)")
    train.add_argument("--replace-shipped", action="store_true",
                       help="allow replacing a shipped model in trained_models/ (only for making "
                            "the models ecgdash ships; refused otherwise)")
    train.add_argument("--data", help="data folder (default data/)")
    train.add_argument("--fresh", action="store_true",
                       help="start again even if an interrupted run of this model and seed left "
                            "a checkpoint (in <data>/checkpoints/; by default the run goes on "
                            "from its last finished epoch)")
    train.set_defaults(run=run)


#: The smallest ``--subset``: a stratified validation part of fewer beats is empty.
SMALLEST = 10


def _checkpoints(args) -> Path:
    """Where the CLI keeps interrupted training runs: ``<data>/checkpoints``."""
    return data_folder(args) / "checkpoints"


def _checkpoint(args, name: str, config) -> Path:
    """The training checkpoint folder of one CLI run: ``<data>/checkpoints/<name>-seed<seed>``
    (emptied first with ``--fresh``); says when the run will go on from it."""
    folder = _checkpoints(args) / f"{name}-seed{config.seed}"
    if args.fresh:
        shutil.rmtree(folder, ignore_errors=True)
    elif saved_in(folder):
        print(f"going on from the checkpoint in {folder} (--fresh starts again)")
    return folder


def _drop_empty_checkpoints(args) -> None:
    """Remove ``<data>/checkpoints`` once no interrupted run is left in it."""
    try:
        _checkpoints(args).rmdir()
    except OSError:
        pass


def _config(args, recipe: str):
    return preset(recipe, epochs=args.epochs, batch_size=args.batch_size, subset=args.subset,
                  seed=args.seed, patience=args.patience, class_weight=args.class_weight)


def save_target(args, name: str) -> tuple[Path, str, bool]:
    """Where one CLI training run saves: ``(folder, name, reserved)``, checked before training
    starts. Default: the user model folder, under a name reserved now (``store.reserve_user_name``:
    the next free ``my-<name>-<n>``, or ``--name``, refused when taken), so a run started beside
    it (another command, the Train page) never saves over it. With ``--models-dir DIR``: DIR
    under the registered name (or ``--name``); a shipped model (``trained_models/``) is replaced
    only with ``--replace-shipped``."""
    if not args.models_dir:
        folder = store.user_models_dir()
        return folder, store.reserve_user_name(name, name=args.name, folder=folder), True
    folder = Path(args.models_dir)
    save_as = args.name or name
    shipped = folder.resolve() == models_dir().resolve()
    if shipped and not args.replace_shipped and any(p.exists() for p in store.model_paths(save_as, folder)):
        raise DataError(f"{folder / save_as}.keras is a shipped model: training never replaces it "
                        "unless you add --replace-shipped. Without --models-dir the new model is "
                        f"saved as your own in {store.user_models_dir()}.")
    return folder, save_as, False


def run(args) -> int:
    if args.name and not args.models_dir:      # before any work: a name taken or shipped is refused now
        store.check_user_name(args.name)
    quiet_tensorflow()
    if args.threads:
        import tensorflow as tf  # heavy: only when asked (TensorFlow is imported by now anyway)

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.model.startswith("robust"):
        return _run_robust(args)
    split = registry.Split.parse(args.split)
    names = [registry.model_name(arch, split) for arch in
             (("lstm", "cnn") if args.model == "all" else (args.model,))]   # architectures
    train = mitbih.load_split(split, "train", out=args.data)
    test = mitbih.load_split(split, "test", out=args.data)
    config = _config(args, "reference")
    return _train_each(args, names, config, f"({split.value}-patient split, reference recipe): "
                       f"{len(train):,} beats", lambda name, checkpoint: train_model(
                           name, train, config=config, test=test, on_epoch=epoch_printer(),
                           checkpoint=checkpoint))


def _train_each(args, names: list[str], config, what: str, fit) -> int:
    """Train and save each of ``names`` with ``fit(name, checkpoint)``; where each goes is
    checked (and a user model's name reserved) for all of them before the first one starts. A
    run that fails or is interrupted gives back the names it did not save under."""
    if args.name and len(names) > 1:
        raise DataError("--name names one model: give one --model with it (lstm, cnn, robust_lstm, robust_cnn).")
    targets = {}
    try:
        for name in names:
            targets[name] = save_target(args, name)
        for name in names:
            folder, save_as, reserved = targets[name]
            print(f"training {name} {what}, up to {config.epochs} epochs; saving as {save_as} in {folder}")
            checkpoint = _checkpoint(args, save_as, config)
            model, card = fit(name, checkpoint)
            path = store.save_model(save_as, model, card, folder=folder)
            targets[name] = (folder, save_as, False)          # saved: nothing to give back
            shutil.rmtree(checkpoint, ignore_errors=True)     # only now: a kill before this loses no epoch
            adj = card.get("logit_adjustment") or {}
            prior = (f"; S prior x{adj['scale']:g} (chosen on the validation records)"
                     if adj.get("scale") is not None else "")
            print(f"best epoch {card['best_epoch']} of {card['epochs_run']}, "
                  f"{card['train_seconds']:.0f} s{prior}; saved {path}")
            print(format_report(card["evaluation"], f"\n{name} on {card['evaluation']['test_set']}",
                                card["params"]))
    finally:
        for folder, save_as, reserved in targets.values():
            if reserved:
                store.release_name(save_as, folder=folder)
    _drop_empty_checkpoints(args)
    return 0


def _run_robust(args) -> int:
    source = Path(args.source) if args.source else data_dir() / "mitdb"
    names = list(registry.PAIRS["robust"]) if args.model == "robust" else [args.model]
    test = mitbih.ds2_beats(source)
    config = _config(args, "robust")
    augment = AugmentConfig() if args.copies is None else AugmentConfig(copies=args.copies)
    more = []
    for folder in map(Path, args.also):
        train, val = validation_records(folder, mitbih.list_records(folder))
        more.append((folder.name, folder, train, val))
    also = "".join(f" + {label} ({len(t) + len(v)} records)" for label, _, t, v in more)
    return _train_each(args, names, config, f"on DS1{also} (patient-wise, augmented x{augment.copies} "
                       "per epoch)", lambda name, checkpoint: train_robust(
                           name, source, config=config, augment=augment, test=test,
                           on_epoch=epoch_printer(), checkpoint=checkpoint, more=more))
