"""Record in each shipped model's card which rows it trained on and which it was tested on.

    python scripts/card_rows.py [--data data/] [--models trained_models/] [--source data/mitdb]

Needs the built data (``python -m ecgdash data build``) and, for the robust pair's test beats,
the MIT-BIH records. For each shipped model the training rows are found again from its card (the
split, or its DS1 training and validation records) and checked against the card's
``train_sha256``; the test beats are scored again and checked against the card's accuracy.
Only what matches is written: the fingerprints of the training rows (``train_rows``, a file in
``<models>/fingerprints/``), the training records (``data.records``) and the test beats' records
and hash (``evaluation.test_records``, ``evaluation.test_sha256``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ecgdash.beats import Beats
from ecgdash.config import data_dir
from ecgdash.datasets import mitbih as dataset
from ecgdash.datasets.mitbih import hash_beats
from ecgdash.evaluation.metrics import evaluate
from ecgdash.models import registry, store
from ecgdash.models.inference import predict_proba
from ecgdash.training.reference import records_of, train_rows


def rows_of(card: dict, beats: Beats, intra_test: np.ndarray) -> Beats | None:
    """The built rows the model of ``card`` trained on, if they match the card's hash."""
    data = card.get("data", {})
    if card.get("recipe") == "robust":
        records = data["train_records"] + data["val_records"]
        clean = beats.subset(np.isin(beats.record, data["train_records"]))
        if hash_beats(clean.X, clean.y) != data["train_sha256"]:
            return None
        return beats.subset(np.isin(beats.record, records))
    if card["split"] == "intra":
        train = beats.subset(~intra_test)
    else:
        train = beats.subset(dataset.inter_split(beats.record)[0])
    return train if hash_beats(train.X, train.y) == data["train_sha256"] else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="built data folder (default data/)")
    parser.add_argument("--models", help="model folder (default trained_models/)")
    parser.add_argument("--source", help="MIT-BIH records, for the robust pair's test beats "
                        "(default data/mitdb)")
    args = parser.parse_args(argv)
    beats, intra_test = dataset.load_built(args.data)
    source = Path(args.source) if args.source else data_dir() / "mitdb"
    failed = 0
    for name in registry.MODELS:
        card = store.load_card(name, folder=args.models)
        rows = rows_of(card, beats, intra_test)
        if rows is None:
            print(f"{name}: the built rows do not match the card's train_sha256; left alone")
            failed += 1
            continue
        folder = store.folder_of(name, args.models)
        entry = store._store_fingerprints(train_rows(rows), folder)
        data = {**card["data"], "records": records_of(rows)}
        if card.get("recipe") == "robust":
            test = dataset.ds2_beats(source)
        else:
            test = dataset.load_split(card["split"], "test", out=args.data)
        model = store.load_model(name, folder=args.models)
        ev = evaluate(test.y, predict_proba(model, test))
        patch = {"train_rows": entry, "data": data}
        if abs(ev["accuracy"] - card["evaluation"]["accuracy"]) < 1e-9 and ev["n"] == card["evaluation"]["n"]:
            patch["evaluation"] = {**card["evaluation"], "test_records": records_of(test),
                                   "test_sha256": hash_beats(test.X, test.y)}
        else:
            print(f"{name}: scored again, accuracy {ev['accuracy']:.6f} is not the card's "
                  f"{card['evaluation']['accuracy']:.6f}: its test beats are left unnamed")
            failed += 1
        store.update_card(name, patch, folder=args.models)
        print(f"{name}: {entry['rows']:,} training rows -> {entry['file']}; "
              f"{'test beats named' if 'evaluation' in patch else 'test beats not named'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
