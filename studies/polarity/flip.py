"""Should a recording whose QRS points down be flipped? Measured, not assumed.

    python studies/polarity/flip.py            # DS1 (shipped pair) and svdb-dev out of fold (fold models)
    python studies/polarity/flip.py --save     # the figures into the robust cards (``polarity``),
                                               # which the trust note quotes

Every record of DS1 and of the svdb development records is scored as it is and flipped upside
down (``analyze_record(..., invert=True)``), beats at the annotated positions; per record: the
share of beats whose QRS points up (``ecg.quality.upright_share``), and each model's mean F1 of
N, S and V both ways. The records are grouped by polarity (points down: upright in fewer than
``trust.UPRIGHT_LOW`` of beats) and the table says, per group and model, on how many records
flipping raised the mean F1 and by how much on average. svdb-dev uses the seed-42 fold models
of studies/beyond_mitbih (each record scored by the fold that never saw it); DS1 the shipped
pair, which trained on it (optimistic either way). DS2 chooses nothing.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "studies" / "beyond_mitbih"))

from ecgdash.config import DS1, data_dir  # noqa: E402
from ecgdash.ecg.quality import upright_share  # noqa: E402
from ecgdash.evaluation.metrics import evaluate, macro_nsv  # noqa: E402
from ecgdash.evaluation.trust import UPRIGHT_LOW  # noqa: E402
from ecgdash.pipeline.record import analyze_record  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = data_dir() / "studies" / "polarity"
MODELS = ("robust_lstm", "robust_cnn")


def jobs():
    from more_people import folds, run_folder

    from ecgdash.models import store

    shipped = {n: store.load_model(n) for n in MODELS}
    out = [("DS1", SHARED / "mitdb", r, shipped) for r in DS1]
    for fold, records in enumerate(folds(SHARED / "svdb-dev")):
        models = {n: store.load_model(n, folder=run_folder(str(fold))) for n in MODELS}
        out += [("svdb-dev", SHARED / "svdb-dev", r, models) for r in records]
    return out


def score(folder, name, models, invert):
    result = analyze_record(folder / name, models=models, use_annotations=True, check_quality=False,
                            invert=invert)
    known = result.reference >= 0
    figures = {m: macro_nsv(evaluate(result.reference[known], p[known])) for m, p in result.probas.items()}
    signal = result.recording.lead_signal(result.lead)
    return figures, upright_share(signal.signal, signal.fs, result.beats.sample)


def summary(rows: dict) -> dict:
    """Per model and set: how many records point down, on how many of them flipping raised the
    mean F1 of N, S and V, the mean change, and the mean F1 of the records that point down and
    of the upright ones (as they are)."""
    out = {}
    for m in MODELS:
        out[m] = {}
        for set_name in ("DS1", "svdb-dev"):
            down = [r for r in rows.values() if r["set"] == set_name and r["upright"] < UPRIGHT_LOW]
            up = [r for r in rows.values() if r["set"] == set_name and r["upright"] >= UPRIGHT_LOW]
            if not down:
                continue
            change = [r["flipped"][m] - r["plain"][m] for r in down]
            out[m][set_name] = {"records_down": len(down), "flip_raised": int(sum(c > 0.005 for c in change)),
                                "flip_change": float(np.mean(change)),
                                "down_f1": float(np.mean([r["plain"][m] for r in down])),
                                "upright_f1": float(np.mean([r["plain"][m] for r in up])) if up else None}
    return out


def main() -> int:
    from ecgdash.runtime import import_tensorflow_quietly

    if "--save" in sys.argv:
        from ecgdash.models import store

        rows = json.loads((OUT / "flip.json").read_text())
        for m, figures in summary(rows).items():
            store.update_card(m, {"polarity": {**figures, "protocol": "studies/polarity/flip.py: each record "
                                               "scored as it is and flipped; svdb-dev out of fold, DS1 in sample"}})
            print(f"stored polarity in the card of {m}: {figures}")
        return 0
    import_tensorflow_quietly()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "flip.json"
    rows = json.loads(path.read_text()) if path.is_file() else {}
    for set_name, folder, name, models in jobs():
        key = f"{set_name}/{name}"
        if key in rows:
            continue
        plain, upright = score(folder, name, models, False)
        flipped, _ = score(folder, name, models, True)
        rows[key] = {"set": set_name, "upright": upright, "plain": plain, "flipped": flipped}
        path.write_text(json.dumps(rows, indent=1))
        print(key, f"upright {upright:.0%}", {m: f"{plain[m]:.3f} -> {flipped[m]:.3f}" for m in MODELS}, flush=True)
    print("\n| set | QRS | records | model | flipping raised the mean F1 (N, S, V) on | mean change |")
    print("|---|---|---|---|---|---|")
    for set_name in ("DS1", "svdb-dev"):
        for label, test in (("points down", lambda u: u < UPRIGHT_LOW), ("upright", lambda u: u >= UPRIGHT_LOW)):
            group = [r for r in rows.values() if r["set"] == set_name and test(r["upright"])]
            for m in MODELS:
                if not group:
                    continue
                change = [r["flipped"][m] - r["plain"][m] for r in group]
                print(f"| {set_name} | {label} | {len(group)} | {m} | {sum(c > 0.005 for c in change)} of "
                      f"{len(group)} | {np.mean(change):+.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
