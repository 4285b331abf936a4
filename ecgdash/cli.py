"""Command line: ``python -m ecgdash {data,train,evaluate,bench} ...``.

Bad input ends with a one-line message and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time

from . import registry
from .errors import DataError, RateNeeded
from .recipes import PRESETS, AugmentConfig


def _quiet_tensorflow() -> None:
    """The command line owns its process: TensorFlow's C++ notices and Python warnings
    (e.g. Keras retracing a training step for a smaller last batch) stay off its output."""
    from .runtime import import_tensorflow_quietly

    import_tensorflow_quietly()


def _progress_printer(prefix: str):
    state = {"t": time.perf_counter()}

    def report(done: int, total: int, message: str) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.perf_counter() - state["t"]
        end = "\n" if done >= total else ""
        print(f"\r{prefix} [{bar}] {done}/{total} {message:<24} {elapsed:5.1f}s", end=end, flush=True)

    return report


def cmd_data(args) -> int:
    from . import dataset

    if args.action == "fetch":
        where = "copying from " + args.source if args.source else "downloading from PhysioNet"
        print(f"MIT-BIH Arrhythmia Database: {where}")
        from .errors import OfflineError

        try:
            dest = dataset.fetch(dest=args.dest, source=args.source, progress=_progress_printer("fetch"))
        except OfflineError as exc:
            raise OfflineError(f"{exc} With a local copy of the database: "
                               "python -m ecgdash data fetch --source DIR") from None
        print(f"{len(dataset.list_records(dest))} records in {dest}")
        return 0
    summary = dataset.build(source=args.source, out=args.out, lead=args.lead,
                            csv=not args.no_csv, progress=_progress_printer("build"))
    counts = summary["counts"]
    print(f"{summary['beats']:,} beats from {summary['records']} records "
          f"in {summary['seconds_total']:.1f} s")
    for part in ("all", "train", "test", "ds1", "ds2"):
        print(f"  {part:>5}: " + " / ".join(f"{c}" for c in counts[part]) + "  (N / S / V / F / Q)")
    for warning in summary["warnings"]:
        print("warning:", warning)
    return 0


def _epoch_printer():
    def on_epoch(epoch, total, row):
        print(f"  epoch {epoch:3d}/{total}  loss {row['loss']:.4f}  acc {row['accuracy']:.4f}  "
              f"val acc {row['val_accuracy']:.4f}  val macro-F1 {row['val_macro_f1']:.4f}  "
              f"{row['seconds']:.1f}s", flush=True)

    return on_epoch


def _checkpoints(args):
    """Where the CLI keeps interrupted training runs: ``<data>/checkpoints``."""
    from pathlib import Path

    from .config import data_dir

    return (Path(args.data) if args.data else data_dir()) / "checkpoints"


def _checkpoint(args, name: str, config):
    """The training checkpoint folder of one CLI run: ``<data>/checkpoints/<name>-seed<seed>``
    (emptied first with ``--fresh``); says when the run will go on from it."""
    import shutil

    from .checkpoint import saved_in

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
    from .recipes import preset

    return preset(recipe, epochs=args.epochs, batch_size=args.batch_size, subset=args.subset,
                  seed=args.seed, patience=args.patience, class_weight=args.class_weight)


def _save_target(args, name: str):
    """Where one CLI training run saves: ``(folder, name)``. Default: the user model folder under
    the next free ``my-<name>-<n>``; with ``--models DIR``: DIR under the registered name (or
    ``--name``). A shipped model (``trained_models/``) is replaced only with ``--replace-shipped``,
    and that is checked before training starts."""
    from pathlib import Path

    from . import store
    from .config import models_dir

    folder = Path(args.models) if args.models else store.user_models_dir()
    save_as = args.name or (name if args.models else store.next_user_name(name, folder=folder))
    shipped = folder.resolve() == models_dir().resolve()
    if shipped and not args.replace_shipped and any(p.exists() for p in store.model_paths(save_as, folder)):
        raise DataError(f"{folder / save_as}.keras is a shipped model: training never replaces it "
                        "unless you add --replace-shipped. Without --models the new model is saved "
                        f"as your own in {store.user_models_dir()}.")
    return folder, save_as


def cmd_train(args) -> int:
    _quiet_tensorflow()
    from . import dataset, store
    from .evaluation import format_report
    from .training import train_model

    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.model.startswith("robust"):
        return _train_robust(args)
    split = registry.Split.parse(args.split)
    names = [registry.model_name(arch, split) for arch in
             (("lstm", "cnn") if args.model == "all" else (args.model,))]   # architectures
    train = dataset.load_split(split, "train", out=args.data)
    test = dataset.load_split(split, "test", out=args.data)
    config = _config(args, "reference")
    if args.name and len(names) > 1:
        raise DataError("--name names one model: give --model lstm or --model cnn with it.")
    targets = {name: _save_target(args, name) for name in names}
    for name in names:
        folder, save_as = targets[name]
        print(f"training {name} ({split.value}-patient split, reference recipe): {len(train):,} beats, "
              f"up to {config.epochs} epochs; saving as {save_as} in {folder}")
        model, card = train_model(name, train, config=config, test=test, on_epoch=_epoch_printer(),
                                  checkpoint=_checkpoint(args, save_as, config))
        path = store.save_model(save_as, model, card, folder=folder)
        print(f"best epoch {card['best_epoch']} of {card['epochs_run']}, "
              f"{card['train_seconds']:.0f} s; saved {path}")
        print(format_report(card["evaluation"], f"\n{name} on {card['evaluation']['test_set']}",
                            card["params"]))
    _drop_empty_checkpoints(args)
    return 0


def _train_robust(args) -> int:
    from pathlib import Path

    from . import store
    from .config import data_dir
    from .dataset import ds2_beats
    from .evaluation import format_report
    from .robust import train_robust

    source = Path(args.source) if args.source else data_dir() / "mitdb"
    names = list(registry.PAIRS["robust"]) if args.model == "robust" else [args.model]
    test = ds2_beats(source)
    config = _config(args, "robust")
    augment = AugmentConfig() if args.copies is None else AugmentConfig(copies=args.copies)
    if args.name and len(names) > 1:
        raise DataError("--name names one model: give --model robust_lstm or robust_cnn with it.")
    targets = {name: _save_target(args, name) for name in names}
    for name in names:
        folder, save_as = targets[name]
        print(f"training {name} on DS1 (patient-wise, augmented x{augment.copies} per epoch), "
              f"up to {config.epochs} epochs; saving as {save_as} in {folder}")
        model, card = train_robust(name, source, config=config, augment=augment, test=test,
                                   on_epoch=_epoch_printer(),
                                   checkpoint=_checkpoint(args, save_as, config))
        path = store.save_model(save_as, model, card, folder=folder)
        adj = card.get("logit_adjustment") or {}
        print(f"best epoch {card['best_epoch']} of {card['epochs_run']}, "
              f"{card['train_seconds']:.0f} s; S prior x{adj.get('scale', 1.0):g} "
              f"(chosen on the validation records); saved {path}")
        print(format_report(card["evaluation"], f"\n{name} on DS2", card["params"]))
    _drop_empty_checkpoints(args)
    return 0


def cmd_evaluate(args) -> int:
    _quiet_tensorflow()
    from . import dataset, store
    from .evaluation import evaluate, format_report
    from .models import predict_proba

    if args.database:
        return _evaluate_database(args)
    names = args.names or [n for n in store.list_models(args.models)]
    if not names:
        raise DataError("No trained models: run `python -m ecgdash train --model all`.")
    if args.robustness:
        return _evaluate_robustness(args, names)
    if args.templates:
        return _evaluate_templates(args, names)
    if args.adapt:
        return _evaluate_adapted(args, names)
    cache = {}
    built = dataset.data_status(args.data) is not None
    for name in names:
        card = store.load_card(name, folder=args.models)
        split = registry.Split.parse(card.get("split", "intra"))
        if args.from_cards or not built:
            ev = card.get("evaluation")
            if ev is None:
                raise DataError(f"The card of {name} holds no evaluation; build the data and "
                                "run evaluate again.")
            source = "stored in the card"
        else:
            if split not in cache:
                cache[split] = dataset.load_split(split, "test", out=args.data)
            test = cache[split]
            model = store.load_model(name, folder=args.models)
            ev = evaluate(test.y, predict_proba(model, test))
            ev["test_set"] = split.test_set
            source = "computed now"
        from .tables import scored_on, trained_on

        title = (f"== {name}: {registry.title(name)}, trained on {trained_on(card)}, "
                 f"tested on {scored_on(ev) if 'n' in ev else ev.get('test_set', '?')} ({source})")
        print(format_report(ev, title, card["params"]))
        print()
    return 0


def _evaluate_database(args) -> int:
    """``evaluate --database DIR``: each model on a folder of annotated records, as trained and
    adapted; ``--save NAME`` stores the as-trained evaluation in each card."""
    from . import store
    from .databases import evaluate_database, format_database

    names = args.names or list(registry.PAIRS[registry.RECORDINGS_PAIR])
    models = {n: store.load_model(n, folder=args.models) for n in names}
    cards = {n: store.load_card(n, folder=args.models) for n in names}
    scores = evaluate_database(args.database, models, records=args.records or None, cards=cards,
                               progress=_progress_printer("records"))
    print(format_database(scores, f"{args.database}: {len(next(iter(scores.values()))['records'])} records"))
    for name, result in scores.items():
        if result["seen"]:
            print(f"note: {name} trained on {result['seen']:.0%} of these beats (matched row by row)")
    if args.save:
        for name, result in scores.items():
            databases = dict(cards[name].get("databases") or {})
            databases[args.save] = {**result["as trained"], "adapted": result["adapted"],
                                    "records": result["records"], "folder": str(args.database),
                                    "seen": result["seen"]}
            store.update_card(name, {"databases": databases}, folder=args.models)
        print(f"stored as databases[{args.save!r}] in the cards of {', '.join(scores)}")
    return 0


def _evaluate_adapted(args, names) -> int:
    """Each model on its test split as it is and adapted to each record; per-record table."""
    import numpy as np
    import pandas as pd

    from . import dataset, store
    from .adapt import adapt_proba
    from .evaluation import evaluate
    from .models import predict_proba

    for name in names:
        card = store.load_card(name, folder=args.models)
        split = registry.Split.parse(card.get("split", "intra"))
        test = dataset.load_split(split, "test", out=args.data)
        model = store.load_model(name, folder=args.models)
        plain = predict_proba(model, test)
        adapted = adapt_proba(model, test, proba=plain)
        rows = []
        for record in np.unique(test.record):
            m = test.record == record
            a, b = evaluate(test.y[m], plain[m]), evaluate(test.y[m], adapted[m])
            rows.append({"record": record, "beats": int(m.sum()), "accuracy": a["accuracy"],
                         "accuracy adapted": b["accuracy"], "macro-F1": a["macro_f1"],
                         "macro-F1 adapted": b["macro_f1"]})
        ev = evaluate(test.y, adapted)
        ev["test_set"] = split.test_set
        before = evaluate(test.y, plain)
        print(f"== {name} on {split.test_set}, each record adapted separately (no label read)")
        print(pd.DataFrame(rows).to_string(index=False, float_format="{:.4f}".format))
        for label, e in (("as trained", before), ("adapted", ev)):
            f1 = {c: e["per_class"][c]["f1"] for c in ("S", "V", "F")}
            print(f"{label:>10}: accuracy {e['accuracy']:.4f}, macro-F1 {e['macro_f1']:.4f}, "
                  + ", ".join(f"{c}-F1 {v:.3f}" for c, v in f1.items()))
        store.update_card(name, {"evaluation_adapted": ev}, folder=args.models)
        print()
    return 0


def _recording_models(args) -> list[str]:
    """``--models a,b`` of ``record`` and ``batch``, else the recordings pair."""
    return args.models_names.split(",") if args.models_names else list(registry.PAIRS[registry.RECORDINGS_PAIR])


def cmd_batch(args) -> int:
    from .batch import batch

    models = _recording_models(args)
    where = f"the Dask cluster at {args.scheduler}" if args.scheduler else (
        f"a local Dask cluster of {args.workers} workers" if args.workers else "a local Dask cluster")
    print(f"scoring recordings with {', '.join(models)} on {where}; writing to {args.out}", flush=True)
    start = time.perf_counter()
    summary = batch(args.sources, args.out, scheduler=args.scheduler, workers=args.workers,
                    models=models, models_dir=args.models, use_annotations=args.annotations, fs=args.fs,
                    progress=_progress_printer("records"))
    done = summary[summary["status"] == "done"] if len(summary) else summary
    failed = summary[summary["status"] != "done"] if len(summary) else summary
    skipped = summary.attrs.get("skipped", 0)
    print(f"{len(done)} records scored ({int(done['beats'].sum()) if len(done) else 0:,} beats; "
          f"{skipped} of them finished in an earlier run and skipped), {len(failed)} failed; "
          f"{time.perf_counter() - start:.0f} s. Summary: {args.out}/summary.csv, beats: {args.out}/beats/")
    for _, row in failed.iterrows():
        print(f"  failed: {row['record']}: {row['error']}")
    return 0 if len(done) else 1


def cmd_record(args) -> int:
    _quiet_tensorflow()
    from pathlib import Path

    from .analysis import analyze_record

    models = _recording_models(args)
    result = analyze_record(args.path, fs=args.fs, lead=args.lead,
                            use_annotations=not args.detect, models=models, invert=args.invert,
                            adapt=args.adapt)
    rec = result.recording
    length = f"{rec.duration / 60:.1f} min" if rec.duration >= 120 else f"{rec.duration:.0f} s"
    print(f"{rec.name}: {length} at {rec.fs:g} Hz, lead {result.lead}, "
          f"{len(result.beats):,} beats from the {result.source}")
    print(f"trust: {result.trust.sentence}")
    for what, value, meaning in result.trust.facts.itertuples(index=False):
        print(f"  {what}: {value} ({meaning})")
    for warning in result.warnings:
        print("warning:", warning)
    if result.detection:
        d = result.detection
        print(f"detector vs annotations: sensitivity {d['sensitivity']:.4f}, "
              f"positive predictivity {d['ppv']:.4f} ({d['tp']} found, {d['fn']} missed, "
              f"{d['fp']} extra)")
    print("beats per class:")
    print(result.counts.to_string())
    if result.unadapted:
        print("before adapting to this recording:")
        print(result.unadapted_counts.to_string())
    for name, q in result.model_quality.items():
        before = result.unadapted_quality.get(name)
        was = (f" (before adapting: {before['accuracy']:.4f}, {before['macro_f1']:.4f})"
               if before else "")
        print(f"{name} vs reference: accuracy {q['accuracy']:.4f}, macro-F1 {q['macro_f1']:.4f}{was}")
    if result.model_quality:
        print(result.quality_frame().to_string(index=False, float_format="{:.4f}".format, na_rep="n/a"))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        result.table.to_csv(args.out, index=False, na_rep="n/a")
        print(f"beat table: {args.out}")
    else:
        print("(add --out FILE.csv to write the table of every beat)")
    return 0


def _evaluate_templates(args, names) -> int:
    from . import dataset, store
    from .explain import class_templates

    for name in names:
        card = store.load_card(name, folder=args.models)
        test = dataset.load_split(registry.Split.parse(card.get("split", "intra")), "test", out=args.data)
        model = store.load_model(name, folder=args.models)
        templates = class_templates(model, test, per_class=args.per_class)
        store.update_card(name, {"class_templates": templates}, folder=args.models)
        print(f"{name}: mean integrated-gradients maps of " + ", ".join(
            f"{c} ({t['n']} beats)" for c, t in templates.items()) + " written to its card")
    return 0


def _evaluate_robustness(args, names) -> int:
    from pathlib import Path

    from . import store
    from .config import data_dir
    from .robustness import format_row, robustness_suite

    source = Path(args.source) if args.source else data_dir() / "mitdb"
    loaded = {n: store.load_model(n, folder=args.models) for n in names}
    how = ", each record adapted to itself" if args.adapt else ""
    print(f"DS2 robustness of {', '.join(names)} (records from {source}{how}; accuracy / macro-F1 / "
          "S-F1 / V-F1):")
    table = robustness_suite(loaded, source, adapt=args.adapt,
                             progress=lambda *row: print("  " + format_row(*row), flush=True))
    key = "robustness_adapted" if args.adapt else "robustness"
    for name, rows in table.items():
        store.update_card(name, {key: rows}, folder=args.models)
    print(f"written to the cards of {', '.join(names)}")
    return 0


def cmd_explain(args) -> int:
    _quiet_tensorflow()
    from pathlib import Path

    import numpy as np

    from . import store
    from .config import CLASSES
    from .csvio import load_beats
    from .explain import explain
    from .models import predict_proba

    beats = load_beats(args.path)
    if args.rows:
        beats = beats.subset(np.arange(min(args.rows, len(beats))))
    model = store.load_model(args.model, folder=args.models)
    proba = predict_proba(model, beats)
    target = args.target if args.target else None
    attributions = explain(model, beats, target=target, method=args.method)
    import pandas as pd

    from .config import data_dir

    classes = proba.argmax(axis=1) if target is None else np.full(len(beats), CLASSES.index(target))
    name = f"{Path(args.path).name.split('.')[0]}_{args.model}_{args.method}.csv"
    out = Path(args.out) if args.out else data_dir() / "explanations" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame({"beat": np.arange(len(beats)), "class": np.asarray(CLASSES)[classes],
                          "probability": proba[np.arange(len(beats)), classes].round(6)})
    samples = pd.DataFrame(attributions, columns=[f"a{i}" for i in range(attributions.shape[1])])
    pd.concat([table, samples], axis=1).to_csv(out, index=False, float_format="%.6g")
    print(f"{len(beats)} beats explained by {args.model} ({args.method}, towards "
          f"{'each predicted class' if target is None else 'class ' + target}); attributions "
          f"(one column per sample, a0..a{attributions.shape[1] - 1}) in {out}")
    return 0


def cmd_bench(args) -> int:
    _quiet_tensorflow()
    from .bench import run_bench

    parts = args.only.split(",") if args.only else ("build", "models", "scoring", "detection",
                                                    "strips", "noise", "explain", "robust", "classroom", "batch")
    run_bench(models=args.models, data=args.data, source=args.source, epochs=args.epochs, parts=parts)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ecgdash",
                                     description="ECG heartbeat classification with an LSTM and a CNN.")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="fetch the MIT-BIH database or build the beat files")
    data_sub = data.add_subparsers(dest="action", required=True)
    fetch = data_sub.add_parser("fetch", help="download MIT-BIH from PhysioNet into data/mitdb/")
    fetch.add_argument("--source", help="copy from this local WFDB folder instead of downloading")
    fetch.add_argument("--dest", help="where to put the records (default data/mitdb)")
    build = data_sub.add_parser("build", help="cut every beat and write the split CSVs into data/")
    build.add_argument("--source", help="WFDB folder (default data/mitdb)")
    build.add_argument("--out", help="output folder (default data/)")
    build.add_argument("--lead", help="lead name or index (default channel 0, as the Kaggle files)")
    build.add_argument("--no-csv", action="store_true", help="write only beats.npz, not the CSVs")
    for p in (data, fetch, build):
        p.set_defaults(func=cmd_data)

    train = sub.add_parser("train", help="train models and save them as your own (data/user_models/)")
    train.add_argument("--model", default="all",
                       choices=["lstm", "cnn", "all", *registry.PAIRS["robust"], "robust"],
                       help="robust_*: trained patient-wise on the DS1 records of --source, "
                            "with augmentation and RR context")
    train.add_argument("--split", choices=[s.value for s in registry.Split], default="intra")
    ref, rob = PRESETS["reference"], PRESETS["robust"]
    train.add_argument("--epochs", type=int,
                       help=f"maximum epochs (default {ref.epochs}; robust models {rob.epochs})")
    train.add_argument("--batch-size", type=int, help=f"default {ref.batch_size} (the recipes')")
    train.add_argument("--patience", type=int,
                       help="stop after this many epochs without a better validation macro-F1 "
                            f"(default {ref.patience}; robust models {rob.patience})")
    train.add_argument("--threads", type=int, help="TensorFlow intra-op threads (default: all cores)")
    train.add_argument("--source", help="WFDB folder for the robust models (default data/mitdb)")
    train.add_argument("--copies", type=int,
                       help=f"robust models: augmented passes over DS1 per epoch "
                            f"(default {AugmentConfig().copies})")
    train.add_argument("--class-weight", default=None, choices=["none", "sqrt", "balanced"],
                       help="class weights (default none)")
    train.add_argument("--subset", type=int, help="train on a stratified subset of this many beats")
    train.add_argument("--seed", type=int, help=f"default {ref.seed} (the recipes')")
    train.add_argument("--name", help="save under this name (default: my-cnn-1, my-lstm-2, ... in "
                       "data/user_models/; with --models DIR: lstm, cnn, lstm_inter, ...)")
    train.add_argument("--replace-shipped", action="store_true",
                       help="allow replacing a shipped model in trained_models/ (only for making "
                            "the models ecgdash ships; refused otherwise)")
    train.add_argument("--fresh", action="store_true",
                       help="start again even if an interrupted run of this model and seed left "
                            "a checkpoint (in <data>/checkpoints/; by default the run goes on "
                            "from its last finished epoch)")
    train.set_defaults(func=cmd_train)

    ev = sub.add_parser("evaluate", help="print the reference study's report for each model")
    ev.add_argument("names", nargs="*", help="models to evaluate (default: all in trained_models/)")
    ev.add_argument("--from-cards", action="store_true",
                    help="print the evaluation stored in the cards (no data needed)")
    ev.add_argument("--robustness", action="store_true",
                    help="evaluate on DS2 at 128/250 Hz, with 12 dB noise and on lead 1, and "
                         "store the table in each card")
    ev.add_argument("--source", help="WFDB folder for --robustness (default data/mitdb)")
    ev.add_argument("--templates", action="store_true",
                    help="compute each class's mean attribution map (correctly classified test "
                         "beats) and store it in the card, for the Learn page")
    ev.add_argument("--per-class", type=int, default=200, help="beats per class for --templates")
    ev.add_argument("--database", help="a folder of annotated WFDB records (any database, any "
                    "rate): per-class sensitivity, predictivity and F1 of each model (default: the "
                    "recordings pair), as trained and adapted")
    ev.add_argument("--records", nargs="+", help="with --database: only these records")
    ev.add_argument("--save", metavar="NAME", help="with --database: store the result in each "
                    "model's card as databases[NAME] (nothing is written without it)")
    ev.add_argument("--adapt", action="store_true",
                    help="also score each test record with the model adapted to it (label-free, "
                         "ecgdash.adapt): print both, per record too, and store it in the card; "
                         "with --robustness: the DS2 conditions adapted (robustness_adapted)")
    ev.set_defaults(func=cmd_evaluate)

    record = sub.add_parser("record", help="find and classify every beat of a recording")
    record.add_argument("path", help="WFDB record (path without extension, or its .hea), .zip, "
                        "EDF/BDF, Apple Health ECG export or CSV/TXT")
    record.add_argument("--lead", help="lead name or index (default: MLII or lead II when the "
                        "recording has one, else the first)")
    record.add_argument("--invert", action="store_true",
                        help="flip the lead upside down first (electrodes swapped)")
    record.add_argument("--adapt", action="store_true",
                        help="adapt the models to the recording from its unlabelled beats "
                             "(ecgdash.adapt). Off by default: chosen on MIT-BIH, it lowered every "
                             "class on another database (svdb)")
    record.add_argument("--detect", action="store_true",
                        help="use the QRS detector even when the record has annotations")
    record.add_argument("--out", help="write the table of every beat to this CSV (default: none)")
    record.set_defaults(func=cmd_record)

    bt = sub.add_parser("batch", help="score every recording of folders, files or globs on Dask "
                        "(a local cluster, or --scheduler); resumable")
    bt.add_argument("sources", nargs="+", help="recordings: files, folders (searched recursively) "
                    "or glob patterns (quote them)")
    bt.add_argument("--out", required=True, help="output folder: beats/ (Parquet, one part per "
                    "record), records/, summary.parquet and summary.csv")
    bt.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786 "
                    "(default: a local cluster)")
    bt.add_argument("--workers", type=int, help="worker processes of the local cluster "
                    "(default: one per core, as memory allows)")
    bt.add_argument("--annotations", action="store_true",
                    help="take beats from .atr annotations when present (default: the QRS "
                         "detector, measured against the annotations where they exist)")
    bt.add_argument("--models-dir", dest="models", help="model folder (default trained_models/); "
                    "a cluster's workers must see it at the same path")
    bt.set_defaults(func=cmd_batch)

    ex = sub.add_parser("explain", help="write per-sample attributions of a beat file to CSV")
    ex.add_argument("path", help="a beat CSV (any layout the loader reads)")
    ex.add_argument("--model", default="cnn", help="lstm or cnn (default cnn)")
    ex.add_argument("--method", choices=["ig", "gradcam"], default="ig",
                    help="integrated gradients (default) or Grad-CAM (CNN only)")
    ex.add_argument("--target", choices=list("NSVFQ"), help="explain this class (default: the predicted one)")
    ex.add_argument("--rows", type=int, help="only the first N beats")
    ex.add_argument("--out", help="output CSV (default data/explanations/NAME_MODEL_METHOD.csv)")
    ex.set_defaults(func=cmd_explain)

    bench = sub.add_parser("bench", help="measure build time, epoch time, inference and load speed")
    bench.add_argument("--epochs", type=int, default=1, help="epochs to time per model")
    bench.add_argument("--source", help="WFDB folder for the build and detection benchmarks "
                                        "(default data/mitdb)")
    bench.add_argument("--only", help="comma-separated parts: build,models,scoring,detection,strips,noise,"
                                      "explain,robust,classroom,batch")
    bench.set_defaults(func=cmd_bench)

    for p in (record, bt):
        p.add_argument("--fs", type=float, help="sampling rate of CSV/TXT signals in Hz (default: from "
                       "their time column; required for a file without one)")
        p.add_argument("--models", dest="models_names",
                       help="comma-separated model names (default: the recordings pair)")
    for p in (train, ev, bench):
        p.add_argument("--data", help="data folder (default data/)")
    train.add_argument("--models", help="save into this model folder under the registered names "
                       "(default: your own folder, data/user_models/, as my-<model>-<n>)")
    for p in (ev, bench, ex):
        p.add_argument("--models", help="model folder (default trained_models/)")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except RateNeeded as exc:
        print(f"error: {exc.name} does not say its sampling rate (no time column): give it with "
              f"--fs, e.g. --fs 250 (common rates: {', '.join(map(str, RateNeeded.COMMON_RATES))} Hz).",
              file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was replaced.", file=sys.stderr)
        return 130
