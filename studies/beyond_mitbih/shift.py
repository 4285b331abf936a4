"""Train the robust pair with the beat start shifted per recording pass, as annotators differ.

    python studies/beyond_mitbih/shift.py [--shift-ms 60] [--models robust_lstm,robust_cnn]

The recipe of the committed pair, with one change: each augmented pass over a DS1 record moves
all its beat marks by one offset drawn in ±``--shift-ms`` (``AugmentConfig.shift_s``; the RR
intervals stay as they are). Trained models go to ``data/studies/shift<ms>/`` (resumable: a
killed run goes on from its last epoch); then each is scored on the svdb development records
(beats at their marks) and on DS2, beside the committed model.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from common import database_parser

from ecgdash.config import data_dir
from ecgdash.datasets.mitbih import ds2_beats, list_records
from ecgdash.models import store
from ecgdash.pipeline.database import evaluate_database
from ecgdash.training.recipes import AugmentConfig
from ecgdash.training.robust import train_robust


def macro_nsv(ev: dict) -> float:
    return float(np.mean([ev["per_class"][c]["f1"] for c in "NSV"]))


def line(ev: dict) -> str:
    f1 = " / ".join(f"{ev['per_class'][c]['f1']:.3f}" for c in "NSV")
    return f"accuracy {ev['accuracy']:.4f}, F1 N/S/V {f1}, macro {macro_nsv(ev):.4f}"


def main(argv=None) -> int:
    parser = database_parser(__doc__.splitlines()[0])
    parser.add_argument("--shift-ms", type=float, default=60.0)
    parser.add_argument("--models", default="robust_lstm,robust_cnn")
    args = parser.parse_args(argv)
    out = data_dir() / "studies" / f"shift{args.shift_ms:g}"
    augment = AugmentConfig(shift_s=args.shift_ms / 1000)
    test = ds2_beats(Path(args.mitdb))
    for name in args.models.split(","):
        if not (out / f"{name}.json").is_file():
            model, card = train_robust(name, Path(args.mitdb), augment=augment, test=test,
                                       checkpoint=out / "checkpoints" / name,
                                       on_epoch=lambda e, t, row: print(f"  {name} epoch {e}/{t}: val macro-F1 "
                                                                        f"{row['val_macro_f1']:.4f}", flush=True))
            store.save_model(name, model, card, folder=out)
            shutil.rmtree(out / "checkpoints" / name, ignore_errors=True)
        trained = {name: store.load_model(name, folder=out), f"{name} (committed)": store.load_model(name)}
        svdb = evaluate_database(args.svdb, trained, records=list_records(args.svdb))
        for label, result in svdb.items():
            print(f"{label}, svdb-dev (marks): {line(result['as trained'])}", flush=True)
        print(f"{name}, DS2: {line(store.load_card(name, folder=out)['evaluation'])}; committed: "
              f"{line(store.load_card(name)['evaluation'])}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
