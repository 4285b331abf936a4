"""Write the rhythm prints of the recordings each shipped model trained on, and name them in
its card: ``python scripts/rhythm_prints.py [--mitdb DIR] [--svdb DIR]``.

The recordings come from each card (``data.records``, or ``data.train_records``: a robust model's
validation records chose its epoch but were not trained on); each is read from the MIT-BIH folder or, for svdb records, the svdb
folder, and its annotated beats give its RR intervals (``datasets.rhythm``). The prints (hashes
only, a few MB) go to ``trained_models/fingerprints/rhythm-<digest>.npz``, shared by the models
that trained on the same recordings; the card's ``train_rows.rhythm`` names the file.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import wfdb

from ecgdash.config import models_dir
from ecgdash.datasets.rhythm import build_prints, save_prints
from ecgdash.ecg.cutting import is_beat_symbol
from ecgdash.models import registry, store

ROOT = Path(__file__).resolve().parents[1]


def recordings(card: dict, mitdb: Path, svdb: Path) -> list[tuple[str, np.ndarray, float]]:
    data = card.get("data") or {}
    names = data.get("train_records") or data.get("records", [])   # not the validation records: not trained on
    out = []
    for name in sorted(names):
        folder, label = (mitdb, f"MIT-BIH {name}") if (mitdb / f"{name}.hea").is_file() else (svdb, f"svdb {name}")
        ann = wfdb.rdann(str(folder / name), "atr")
        fs = wfdb.rdheader(str(folder / name)).fs
        beats = is_beat_symbol(np.asarray(ann.symbol))
        out.append((label, ann.sample[beats], float(fs)))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    parser.add_argument("--svdb", default=str(ROOT.parent / "shared" / "data" / "svdb-dev"))
    args = parser.parse_args(argv)
    folder = models_dir()
    for name in registry.MODELS:
        card = store.load_card(name)
        recs = recordings(card, Path(args.mitdb), Path(args.svdb))
        prints = build_prints(recs)
        digest = hashlib.sha256(prints.hashes.tobytes() + json.dumps(prints.names).encode()).hexdigest()[:16]
        relative = f"{store.FINGERPRINTS}/rhythm-{digest}.npz"
        if not (folder / relative).is_file():
            save_prints(folder / relative, prints)
        store.update_card(name, {"train_rows": {**card["train_rows"], "rhythm": relative}})
        print(f"{name}: {len(recs)} recordings, {len(prints.hashes):,} runs -> {relative} "
              f"({(folder / relative).stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
