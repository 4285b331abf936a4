"""Mean ± sd over seeds of a model's DS2 evaluation, as trained and adapted, from its cards.

Each folder holds one seed's ``<model>.json``, written by ``python -m ecgdash train --model M
--seed S --models DIR`` and ``python -m ecgdash evaluate M --adapt --models DIR``.

    python scripts/seed_table.py robust_cnn trained_models data/seeds/s7 data/seeds/s123
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("folders", nargs="+")
    args = parser.parse_args()
    rows: dict[str, list] = {}
    for folder in args.folders:
        card = json.loads((Path(folder) / f"{args.model}.json").read_text())
        for way in ("evaluation", "evaluation_adapted"):
            ev = card.get(way)
            if not ev:
                continue
            r = (ev["accuracy"], ev["macro_f1"], ev["per_class"]["S"]["f1"], ev["per_class"]["V"]["f1"])
            rows.setdefault(way, []).append(r)
            print(f"{folder} seed {card['seed']} {way}: accuracy {r[0]:.4f} macro-F1 {r[1]:.4f} "
                  f"S-F1 {r[2]:.3f} V-F1 {r[3]:.3f}; best validation macro-F1 "
                  f"{card['best_val_macro_f1']:.4f}")
    for way, rs in rows.items():
        a = np.array(rs)
        sd = a.std(0, ddof=1) if len(a) > 1 else np.zeros(a.shape[1])
        print(f"{way}, {len(rs)} seeds: " + ", ".join(
            f"{k} {m:.4f} ± {s:.4f}" for k, m, s in zip(("accuracy", "macro-F1", "S-F1", "V-F1"), a.mean(0), sd)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
