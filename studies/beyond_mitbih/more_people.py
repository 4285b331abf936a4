"""Train the robust pair on more people: DS1 plus svdb development records, folds of whole records.

    python studies/beyond_mitbih/more_people.py --fold 0    # train on DS1 + svdb fold 1, test fold 0
    python studies/beyond_mitbih/more_people.py --fold 1
    python studies/beyond_mitbih/more_people.py --fold all  # DS1 + every svdb-dev record
    python studies/beyond_mitbih/more_people.py --report    # the table, from what the runs saved
    python studies/beyond_mitbih/more_people.py --ship [--select-on macro_nsv]   # the "all" pair into trained_models/

The committed recipe (``preset("robust")``, ``AugmentConfig()``) with one change: the training
records are DS1's and svdb development records'. The 39 svdb-dev records are dealt into two folds
of whole records, balanced by their S beats (sorted by S count, dealt alternately); a fold model
trains on DS1 and the other fold, and three of that fold's records join DS1's three validation
records (``training.robust.validation_records``; they choose the epoch and the S prior). Each epoch draws as many beats as the committed
recipe's (``--beats-per-epoch``), so the runs cost the same. Then each fold model is scored on
its held-out fold (beats at the annotators' marks, as trained and adapted) and on DS1's
validation records; DS2 only checks (its evaluation is in the card). Models, checkpoints and the
scores go to ``data/studies/more_people/<fold>/`` (resumable: a killed run goes on from its last
finished epoch).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
from common import ROOT, database_parser
from options import StudyOptions

from ecgdash.config import SEED, data_dir
from ecgdash.datasets.mitbih import ds2_beats, list_records
from ecgdash.ecg.context import COMMITTED_RR
from ecgdash.evaluation.metrics import pool_confusions
from ecgdash.models import store
from ecgdash.pipeline.database import evaluate_database, macro_nsv
from ecgdash.runtime import import_tensorflow_quietly
from ecgdash.training.recipes import VAL_RECORDS, AugmentConfig, preset
from ecgdash.training.robust import s_beat_counts, validation_records

OUT = data_dir() / "studies" / "more_people"


def folds(folder: Path) -> list[list[str]]:
    """Two folds of whole records, dealt alternately in order of S count (most first)."""
    counts = s_beat_counts(folder, list_records(folder))
    order = sorted(counts, key=lambda r: (-counts[r], r))
    return [sorted(order[0::2]), sorted(order[1::2])]


def line(ev: dict) -> dict:
    """The figures the table shows, and the confusion matrix (folds pool by adding them)."""
    return {"accuracy": ev["accuracy"], "macro_nsv": macro_nsv(ev),
            **{c: ev["per_class"][c]["f1"] for c in "NSV"}, "n": ev["n"],
            "confusion": ev["confusion"]}


def run(fold: str, args) -> None:
    import_tensorflow_quietly(threads=args.threads)
    from ecgdash.models import store
    from ecgdash.training.robust import train_robust

    svdb, mitdb = Path(args.svdb), Path(args.mitdb)
    parts = folds(svdb)
    test_records = [] if fold == "all" else parts[int(fold)]
    train_pool = sorted(set(list_records(svdb)) - set(test_records))
    svdb_train, svdb_val = validation_records(svdb, train_pool)
    out = run_folder(fold, args.seed, variant(args))
    config = preset("robust", subset=args.beats_per_epoch, seed=args.seed)
    options = StudyOptions(select_on=args.select_on or "macro_f1", rr_features=args.rr_features or COMMITTED_RR,
                           record_adversary=args.record_adversary or 0.0)
    test = ds2_beats(mitdb)
    for name in args.models.split(","):
        if not (out / f"{name}.json").is_file():
            model, card = train_robust(
                name, mitdb, config=config, augment=AugmentConfig(), test=test,
                checkpoint=out / "checkpoints" / name,
                more=[("svdb-dev", svdb, svdb_train, svdb_val)], extension=options,
                on_epoch=lambda e, t, row, name=name: print(
                    f"  {fold} {name} epoch {e}/{t}: val macro-F1 {row['val_macro_f1']:.4f}", flush=True))
            store.save_model(name, model, card, folder=out)
            shutil.rmtree(out / "checkpoints" / name, ignore_errors=True)
        loaded = {name: store.load_model(name, folder=out)}
        card = store.load_card(name, folder=out)
        entry = {"ds2": line(card["evaluation"]), "train_seconds": card["train_seconds"],
                 "epochs_run": card["epochs_run"], "best_epoch": card["best_epoch"],
                 "svdb_train": svdb_train, "svdb_val": svdb_val, "svdb_test": test_records}
        entry["ds1_val"] = line(evaluate_database(mitdb, loaded, records=list(VAL_RECORDS))[name]["as trained"])
        if test_records:
            # the DS1-only pair as the comparison, while it is the shipped one (seed 42's runs;
            # since the DS1 + svdb-dev pair shipped, trained_models/ holds a pair that saw these)
            shipped = store.load_model(name)
            compare = "svdb-dev" not in (shipped.card.get("data") or {}).get("databases", {})
            scored = evaluate_database(svdb, {**loaded, **({"committed": shipped} if compare else {})},
                                       records=test_records)
            entry["svdb_test"] = {way: line(scored[name][way]) for way in ("as trained", "adapted")}
            if compare:
                entry["committed_svdb_test"] = {way: line(scored["committed"][way])
                                                for way in ("as trained", "adapted")}
        path = out / "scores.json"   # read again: runs of the other model may share the folder
        results = json.loads(path.read_text()) if path.is_file() else {}
        path.write_text(json.dumps({**results, name: entry}, indent=1))
        print(fold, name, json.dumps({k: v for k, v in entry.items() if not k.startswith("svdb_t")
                                      and k != "svdb_val"}), flush=True)


def variant(args) -> str:
    """The name of a run's change to the committed recipe ("" for none): ``--select-on``,
    ``--rr-features 7`` ("rr7"), ``--record-adversary W`` ("advW")."""
    parts = [] if args.select_on in (None, "macro_f1") else [args.select_on]
    if args.rr_features not in (None, 6):
        parts.append(f"rr{args.rr_features}")
    if args.record_adversary:
        parts.append(f"adv{args.record_adversary:g}")
    return "-".join(parts)


def run_folder(fold: str, seed: int = SEED, variant: str = "") -> Path:
    """Where one run's models and scores go: ``<fold>`` for the recipe's seed, else
    ``<fold>-seed<seed>``; a variant of the recipe adds ``-<variant>``."""
    return OUT / ((fold if seed == SEED else f"{fold}-seed{seed}") + (f"-{variant}" if variant else ""))


def seeds_run(variant: str = "") -> list[int]:
    """The seeds whose two fold runs (of ``variant``) have both finished."""
    pattern = re.compile(r"0-seed(\d+)" + (f"-{re.escape(variant)}" if variant else "") + "$")
    found = [SEED] + sorted(int(m.group(1)) for p in OUT.iterdir() if (m := pattern.match(p.name)))
    return [s for s in found if all((run_folder(f, s, variant) / "scores.json").is_file()
                                    for f in ("0", "1"))]


def out_of_fold(way: str = "as trained", key: str = "svdb_test", seed: int = SEED,
                variant: str = "") -> dict:
    """Model name -> the pooled evaluation of both folds' held-out records (``key``:
    "svdb_test" for the fold models, "committed_svdb_test" for the committed ones)."""
    scores = [json.loads((run_folder(f, seed, variant) / "scores.json").read_text()) for f in ("0", "1")]
    names = [n for n in scores[0] if all(n in s for s in scores)]
    return {n: pool_confusions([s[n][key][way]["confusion"] for s in scores]) for n in names}


def figures(ev: dict) -> list[float]:
    """accuracy, F1 N, S, V, their mean, and the share of N beats called F."""
    f1 = [ev["per_class"][c]["f1"] if "per_class" in ev else ev[c] for c in "NSV"]
    confusion = np.asarray(ev["confusion"])
    return [ev["accuracy"], *f1, float(np.mean(f1)), confusion[0, 3] / max(confusion[0].sum(), 1)]


def fmt(values: list[list[float]]) -> str:
    """Cells "mean ± sd" over runs (just the value for one run)."""
    a = np.asarray(values)
    cells = []
    for j in range(a.shape[1]):
        m = a[:, j].mean()
        digits = 4 if j in (0, 4) else 3
        cell = f"{m:.2%}" if j == 5 else f"{m:.{digits}f}"
        if len(a) > 1:
            cell += f" ± {a[:, j].std(ddof=1):.2%}" if j == 5 else f" ± {a[:, j].std(ddof=1):.{digits}f}"
        cells.append(cell)
    return " | ".join(cells)


HEAD = "accuracy | F1 N | F1 S | F1 V | macro (N, S, V) | N called F"


def committed_card(name: str) -> dict:
    """The card of the DS1-only pair (0.3), kept beside the runs: ``trained_models/`` holds the
    DS1 + svdb-dev pair once it is shipped (``git show v0.3:trained_models/<name>.json``)."""
    path = OUT / f"committed_{name}.json"
    if not path.is_file():
        card = store.load_card(name)
        if "svdb-dev" in (card.get("data") or {}).get("databases", {}):
            raise SystemExit(f"{path} is missing: write the 0.3 card there (git show).")
        path.write_text(json.dumps(card))
    return json.loads(path.read_text())


def committed_ds1_val() -> dict:
    """The committed pair on DS1's validation records (they chose its epoch: optimistic),
    computed once."""
    path = OUT / "committed_ds1_val.json"
    if not path.is_file():
        models = {n: store.load_model(n) for n in ("robust_lstm", "robust_cnn")}
        scored = evaluate_database(ROOT.parent / "shared" / "data" / "mitdb", models, records=list(VAL_RECORDS))
        path.write_text(json.dumps({n: line(r["as trained"]) for n, r in scored.items()}))
    return json.loads(path.read_text())


def report(variant: str = "") -> None:
    """The tables: svdb-dev out of fold (both folds pooled, per seed), DS2 and DS1's validation
    records (each fold model), mean ± sd over the seeds run (of the recipe's ``variant``)."""
    seeds = seeds_run(variant)
    print(f"seeds: {seeds}" + (f", variant {variant}" if variant else "") + "\n")
    print(f"| svdb-dev out of fold | {HEAD} |\n|---|---|---|---|---|---|---|")
    for way in ("as trained", "adapted"):
        for label, key in (("DS1 only (committed)", "committed_svdb_test"), ("DS1 + svdb-dev", "svdb_test")):
            runs = [out_of_fold(way, key, seed, "" if key.startswith("committed") else variant)
                    for seed in (seeds[:1] if key.startswith("committed") else seeds)]
            for name in runs[0]:
                done = [r[name] for r in runs if name in r]
                print(f"| {name}, {label}, {way} ({len(done)} seed{'s' * (len(done) > 1)}) "
                      f"| {fmt([figures(ev) for ev in done])} |")
    committed = committed_ds1_val()
    for part in ("ds2", "ds1_val"):
        print(f"\n| {part} (each fold model) | {HEAD} |\n|---|---|---|---|---|---|---|")
        for name, ev in committed.items():
            row = figures(committed_card(name)["evaluation"]) if part == "ds2" else figures(ev)
            print(f"| {name}, DS1 only (committed) | {fmt([row])} |")
        entries = {}
        for seed in seeds:
            for fold in ("0", "1"):
                for name, e in json.loads((run_folder(fold, seed, variant) / "scores.json").read_text()).items():
                    entries.setdefault(name, []).append(figures(e[part]))
        for name, rows in entries.items():
            print(f"| {name}, DS1 + half of svdb-dev ({len(rows)} models) | {fmt(rows)} |")
    print("\n| run | epochs (best) | minutes |\n|---|---|---|")
    for path in sorted(OUT.glob("*/scores.json")):
        for name, e in json.loads(path.read_text()).items():
            print(f"| {path.parent.name} {name} | {e['epochs_run']} ({e['best_epoch']}) "
                  f"| {e['train_seconds'] / 60:.1f} |")


PROTOCOL = ("out of fold: 2 folds of whole records, each scored by a model of the same recipe "
            "trained on DS1 and the other fold")


def ship(svdb: Path, variant: str = "") -> None:
    """Copy the models trained on DS1 + every svdb-dev record (of the recipe ``variant``) into
    ``trained_models/``, their cards quoting the out-of-fold svdb-dev figures of the same
    recipe (never their own score on records they trained on)."""
    from ecgdash.config import models_dir
    from ecgdash.models import store

    folder = run_folder("all", SEED, variant)
    as_trained = out_of_fold("as trained", variant=variant)
    adapted = out_of_fold("adapted", variant=variant)
    for name in as_trained:
        model = store.load_model(name, folder=folder)
        card = dict(model.card)
        card["train_rows"] = {"rows": card["train_rows"]["rows"],
                              "fingerprints": store.train_fingerprints(name, folder=folder)}
        card["databases"] = {"svdb-dev": {**as_trained[name], "adapted": adapted[name],
                                          "records": list_records(svdb), "folder": str(svdb),
                                          "seen": 0.0, "protocol": PROTOCOL}}
        store.save_model(name, model.network, card, folder=models_dir())
        print(f"shipped {name}: DS2 accuracy {card['evaluation']['accuracy']:.4f}, svdb-dev out of "
              f"fold {as_trained[name]['accuracy']:.4f}")


def main(argv=None) -> int:
    parser = database_parser(__doc__.splitlines()[0])
    parser.add_argument("--fold", choices=["0", "1", "all"])
    parser.add_argument("--models", default="robust_lstm,robust_cnn")
    parser.add_argument("--beats-per-epoch", type=int, default=134_445)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--select-on", default=None, choices=["macro_f1", "macro_nsv"],
                        help="a variant of the recipe: the validation figure that picks the "
                             "epoch (its runs go to <fold>[-seed<S>]-macro_nsv)")
    parser.add_argument("--rr-features", type=int, default=None, choices=[6, 7],
                        help="a variant: 7 adds the rhythm's irregularity to the RR context "
                             "(its runs go to <fold>[-seed<S>]-rr7)")
    parser.add_argument("--record-adversary", type=float, default=None,
                        help="a variant: train against the record with this weight of the "
                             "reversed gradient (its runs go to <fold>[-seed<S>]-advW)")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--ship", action="store_true", help="copy the models trained on DS1 + all "
                        "of svdb-dev into trained_models/ (after the study chose them)")
    args = parser.parse_args(argv)
    if args.fold:
        run(args.fold, args)
    if args.report:
        import_tensorflow_quietly()
        report(variant(args))
    if args.ship:
        ship(Path(args.svdb), variant(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
