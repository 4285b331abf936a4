"""``ecgdash evaluate report|adapted|robustness|templates|database``: score models; nothing is
written to a card without ``--save``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ecgdash.cli.common import add_model_options, model_names, progress_printer, quiet_tensorflow, whole
from ecgdash.config import data_dir
from ecgdash.datasets import mitbih
from ecgdash.errors import DataError
from ecgdash.evaluation.metrics import evaluate, format_report
from ecgdash.evaluation.robustness import format_row, robustness_suite
from ecgdash.io.files import atomic_write, output_file
from ecgdash.models import registry, store
from ecgdash.models.adapt import adapt_proba
from ecgdash.models.explain import class_templates
from ecgdash.models.inference import predict_proba
from ecgdash.pipeline.database import evaluate_database, format_database
from ecgdash.report.tables import format_curve, scored_on, trained_on
from ecgdash.review.reader import READER, review_database


def add_parser(sub) -> None:
    ev = sub.add_parser("evaluate", help="score models: the reference study's report, adapted, "
                        "under other conditions, class templates, or on any annotated database")
    modes = ev.add_subparsers(dest="mode", required=True)
    report = modes.add_parser("report", help="the reference study's report for each model")
    report.add_argument("--from-cards", action="store_true",
                        help="print the evaluation stored in the cards (no data needed)")
    adapted = modes.add_parser("adapted", help="each test record scored as trained and adapted "
                               "to itself (label-free, ecgdash.models.adapt), per record")
    robust = modes.add_parser("robustness", help="DS2 at 128/250 Hz, with 12 dB noise and on the second lead")
    robust.add_argument("--source", help="WFDB folder of the DS2 records (default data/mitdb)")
    robust.add_argument("--adapt", action="store_true", help="each DS2 record adapted to itself")
    templates = modes.add_parser("templates", help="each class's mean attribution map (correctly "
                                 "classified test beats), for the Learn page")
    templates.add_argument("--per-class", type=whole(1, maximum=100_000), default=200, help="beats per class")
    database = modes.add_parser("database", help="a folder of annotated WFDB records (any "
                                "database, any rate): per-class sensitivity, predictivity and F1")
    database.add_argument("folder", help="the WFDB folder")
    database.add_argument("--records", nargs="+", help="only these records")
    database.add_argument("--clicks", type=_clicks, metavar="0,3,6,12",
                          help="template review with a simulated reader: each model's accuracy and "
                               "F1 of N, S, V after this many clicks per recording (each proposed "
                               "question answered with the majority reference label of its beats)")
    database.add_argument("--json", metavar="OUT.json", help="with --clicks: write the figures "
                          "to this file ({model: {clicks: {accuracy, N, S, V, beats}}})")
    for p, default, save in ((report, "every model in trained_models/", None),
                             (adapted, "every model in trained_models/", "evaluation_adapted"),
                             (robust, "every model in trained_models/", "robustness"),
                             (templates, "every model in trained_models/", "class_templates"),
                             (database, "the recordings pair", "databases[NAME]")):
        add_model_options(p, default=default)
        p.add_argument("--data", help="data folder (default data/)")
        if save == "databases[NAME]":
            p.add_argument("--save", metavar="NAME", help="store the result in each model's card "
                           "as databases[NAME] (nothing is written without it)")
        elif save:
            p.add_argument("--save", action="store_true", help=f"store the result in each model's "
                           f"card as {save} (nothing is written without it)")
    for p, fn in ((report, run_report), (adapted, run_adapted), (robust, run_robustness),
                  (templates, run_templates), (database, run_database)):
        p.set_defaults(run=fn)


def _clicks(text: str) -> list[int]:
    """``--clicks 0,3,6``: whole numbers >= 0, at most 1,000 a recording."""
    try:
        values = sorted({int(v) for v in text.split(",") if v.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"clicks must be whole numbers separated by commas, e.g. "
                                         f"0,3,6,12; got {text!r}") from None
    if not values or values[0] < 0 or values[-1] > 1000:
        raise argparse.ArgumentTypeError(f"clicks run from 0 to 1000 per recording; got {text!r}")
    return values


def _names(args) -> list[str]:
    names = model_names(args, store.list_models(args.models_dir))
    if not names:
        raise DataError("No trained models: run `python -m ecgdash train --model all`.")
    return names


def run_report(args) -> int:
    cache = {}
    built = mitbih.data_status(args.data) is not None
    for name in _names(args):
        card = store.load_card(name, folder=args.models_dir)
        split = registry.Split.parse(card.get("split", "intra"))
        if args.from_cards or not built:
            ev = card.get("evaluation")
            if ev is None:
                raise DataError(f"The card of {name} holds no evaluation; build the data and "
                                "run evaluate again.")
            source = "stored in the card"
        else:
            quiet_tensorflow()                 # scores from the cards need no TensorFlow
            if split not in cache:
                cache[split] = mitbih.load_split(split, "test", out=args.data)
            test = cache[split]
            model = store.load_model(name, folder=args.models_dir)
            ev = evaluate(test.y, predict_proba(model, test))
            ev["test_set"] = split.test_set
            source = "computed now"
        title = (f"== {name}: {registry.title(name)}, trained on {trained_on(card)}, "
                 f"tested on {scored_on(ev)} ({source})")
        print(format_report(ev, title, card["params"]))
        print()
    return 0


def run_adapted(args) -> int:
    """Each model on its test split as it is and adapted to each record; per-record table."""
    quiet_tensorflow()
    for name in _names(args):
        card = store.load_card(name, folder=args.models_dir)
        split = registry.Split.parse(card.get("split", "intra"))
        test = mitbih.load_split(split, "test", out=args.data)
        model = store.load_model(name, folder=args.models_dir)
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
        if args.save:
            store.update_card(name, {"evaluation_adapted": ev}, folder=args.models_dir)
            print(f"stored as evaluation_adapted in the card of {name}")
        print()
    return 0


def run_robustness(args) -> int:
    quiet_tensorflow()
    names = _names(args)
    source = Path(args.source) if args.source else data_dir() / "mitdb"
    loaded = {n: store.load_model(n, folder=args.models_dir) for n in names}
    how = ", each record adapted to itself" if args.adapt else ""
    print(f"DS2 robustness of {', '.join(names)} (records from {source}{how}; accuracy / macro-F1 / "
          "S-F1 / V-F1):")
    table = robustness_suite(loaded, source, adapt=args.adapt,
                             progress=lambda *row: print("  " + format_row(*row), flush=True))
    if args.save:
        key = "robustness_adapted" if args.adapt else "robustness"
        for name, rows in table.items():
            store.update_card(name, {key: rows}, folder=args.models_dir)
        print(f"stored as {key} in the cards of {', '.join(names)}")
    return 0


def run_templates(args) -> int:
    quiet_tensorflow()
    for name in _names(args):
        card = store.load_card(name, folder=args.models_dir)
        test = mitbih.load_split(registry.Split.parse(card.get("split", "intra")), "test", out=args.data)
        model = store.load_model(name, folder=args.models_dir)
        templates = class_templates(model, test, per_class=args.per_class)
        print(f"{name}: mean integrated-gradients maps of " + ", ".join(
            f"{c} ({t['n']} beats)" for c, t in templates.items()))
        if args.save:
            store.update_card(name, {"class_templates": templates}, folder=args.models_dir)
            print(f"stored as class_templates in the card of {name}")
    return 0


#: The share of a database's beats a model may have trained on for its score there to be stored
#: (one beat in a thousand: matching rows by content can meet a flat or repeated row by chance).
SEEN_AT_ALL = 0.001


def run_database(args) -> int:
    """Each model on a folder of annotated records, as trained and adapted; ``--save NAME``
    stores the result in each card as ``databases[NAME]``."""
    if args.json and args.clicks is None:
        raise DataError("--json writes the figures of --clicks: give --clicks too (e.g. --clicks 0,3,6,12).")
    if args.clicks is not None and args.save:
        raise DataError("--save stores the models' own scores; run it without --clicks.")
    if args.json:
        output_file(args.json)       # before the work
    quiet_tensorflow()
    names = model_names(args, registry.PAIRS[registry.RECORDINGS_PAIR])
    models = {n: store.load_model(n, folder=args.models_dir) for n in names}   # each with its card
    if args.clicks is not None:
        return run_review(args, models)
    scores = evaluate_database(args.folder, models, records=args.records or None,
                               progress=progress_printer("records"))
    print(format_database(scores, f"{args.folder}: {len(next(iter(scores.values()))['records'])} records"))
    for name, result in scores.items():
        if result["seen"]:
            print(f"note: {name} trained on {result['seen']:.0%} of these beats (matched row by row)")
    if args.save:
        saved, refused = [], []
        for name, result in scores.items():
            if result["seen"] >= SEEN_AT_ALL:     # a score on training beats is no test: never quoted
                refused.append(f"{name} ({result['seen']:.0%} of these beats are ones it trained on)")
                continue
            databases = dict(models[name].card.get("databases") or {})
            databases[args.save] = {**result["as trained"], "adapted": result["adapted"],
                                    "records": result["records"], "folder": Path(args.folder).name,   # no path of one machine
                                    "seen": result["seen"]}
            store.update_card(name, {"databases": databases}, folder=args.models_dir)
            saved.append(name)
        if saved:
            print(f"stored as databases[{args.save!r}] in the cards of {', '.join(saved)}")
        if refused:
            print(f"not stored for {'; '.join(refused)}: a score on beats a model trained on would "
                  "be quoted as if it were a test. Score it on records it never saw (for a model "
                  "trained on this database: out of fold, with models trained without them).")
            return 1
    return 0


def run_review(args, models: dict) -> int:
    """``evaluate database DIR --clicks ...``: the simulated reader's figures per model and budget."""
    curve = review_database(args.folder, models, clicks=args.clicks, records=args.records or None,
                            progress=progress_printer("records"))
    print(f"{args.folder}: template review with {READER}.")
    print(format_curve(curve))
    if args.json:
        layout = {name: {str(b): {k: v[k] for k in ("accuracy", "N", "S", "V", "beats")} for b, v in rows.items()}
                  for name, rows in curve.items()}
        try:
            atomic_write(Path(args.json), lambda f: f.write(json.dumps(layout, indent=1).encode()))
        except OSError as exc:
            print(f"error: could not write {args.json}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"figures: {args.json}")
    return 0
