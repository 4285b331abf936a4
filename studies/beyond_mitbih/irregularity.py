"""Is an early beat in an irregular rhythm an S beat? A fast screen of a rhythm-irregularity feature.

    python studies/beyond_mitbih/irregularity.py
    python studies/beyond_mitbih/irregularity.py --where [--variant rr7]   # per record, the fold models

The robust pair's wrong S calls on svdb-dev gather in a few records whose rhythm is irregular
throughout (atrial fibrillation-like: every beat annotated N, yet many come early). An early beat
is S in a regular rhythm, not in an irregular one; the six committed RR features say how early a
beat is, not how irregular the rhythm around it is. Two candidates, each over the ±25 beats
around a beat, divided by their mean RR:

- ``irregularity_median``: the median of the absolute successive RR differences (a few early
  beats in a regular rhythm barely move it; atrial fibrillation moves it a lot);
- ``irregularity_rms``: the root mean square of the same differences (RMSSD).

``--where`` shows where the wrong calls are: each svdb-dev record scored by the fold model that
did not train on it (``more_people.py``'s seed-42 runs, or those of ``--variant``), with the
median irregularity of its beats.

Protocol of the screen as ``rr_normal.py``: a gradient-boosted tree on RR features only, trained on DS1 and one
svdb-dev fold, scored on the other (both ways; N, S, V beats at the annotators' marks). DS2 is
not read.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from common import database_parser, rr_rows, tree_out_of_fold
from more_people import folds

from ecgdash.config import DS1
from ecgdash.datasets.mitbih import present_records
from ecgdash.ecg.context import RR_FEATURES, irregularity, rolling_mean


def candidates(context: np.ndarray) -> np.ndarray:
    """(n, 2) for one record's beats in time order: ``ecg.context.irregularity`` (the median, the
    seventh RR feature) and its root-mean-square variant (RMSSD over the local mean RR)."""
    pre = context[:, 0]
    step = np.abs(np.diff(pre, prepend=pre[:1]))
    return np.column_stack([irregularity(pre), np.sqrt(rolling_mean(step ** 2)) / rolling_mean(pre)])


def features(folder: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(committed six, the two irregularity candidates, labels) of records ``names``."""
    return rr_rows(folder, names, candidates)


def where(svdb: Path, variant: str = "") -> None:
    """Per svdb-dev record, out of fold: its S and V beats, those each model missed (called N)
    and the N beats it called S or V, with the record's median irregularity; most wrong first."""
    from more_people import run_folder

    from ecgdash.models import store
    from ecgdash.pipeline.record import analyze_record
    from ecgdash.runtime import import_tensorflow_quietly

    import_tensorflow_quietly()
    names = ("robust_lstm", "robust_cnn")
    rows, totals = [], {n: np.zeros(4, dtype=int) for n in names}
    for fold, records in enumerate(folds(svdb)):
        folder = run_folder(str(fold), variant=variant)
        models = {n: store.load_model(n, folder=folder) for n in names if (folder / f"{n}.keras").is_file()}
        for record in records:
            result = analyze_record(svdb / record, models=models, check_quality=False)
            ref = result.reference
            row = [record, int((ref == 1).sum()), int((ref == 2).sum()),
                   float(np.median(result.beats.context[:, RR_FEATURES.index("rr_irregularity")]))]
            for n in names:
                if n not in models:
                    row += [0, 0, 0, 0]
                    continue
                call = result.probas[n].argmax(1)
                wrong = [int(((ref == 1) & (call == 0)).sum()), int(((ref == 0) & (call == 1)).sum()),
                         int(((ref == 2) & (call == 0)).sum()), int(((ref == 0) & (call == 2)).sum())]
                totals[n] += wrong
                row += wrong
            rows.append(row)
    print("| record | S | V | irregularity | " + " | ".join(
        f"{n.split('_')[1].upper()}: {w}" for n in names for w in ("S as N", "N as S", "V as N", "N as V"))
        + " |\n|" + "---|" * 12)
    for row in sorted(rows, key=lambda r: -(r[4] + r[5] + r[6] + r[7])):
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    for n in names:
        print(f"{n} total: S as N {totals[n][0]}, N as S {totals[n][1]}, V as N {totals[n][2]}, "
              f"N as V {totals[n][3]}")


def main(argv=None) -> int:
    parser = database_parser(__doc__.splitlines()[0])
    parser.add_argument("--where", action="store_true", help="where the fold models' wrong calls are")
    parser.add_argument("--variant", default="", help="the fold runs of this variant (more_people.py)")
    args = parser.parse_args(argv)
    svdb, mitdb = Path(args.svdb), Path(args.mitdb)
    if args.where:
        where(svdb, args.variant)
        return 0
    ds1 = features(mitdb, present_records(mitdb, DS1))
    parts = [features(svdb, part) for part in folds(svdb)]
    for label, cols in (("committed", []), ("+ median", [0]), ("+ rms", [1]), ("+ both", [0, 1])):
        f1 = tree_out_of_fold(ds1, parts, lambda p, c=cols: np.column_stack([p[0], p[1][:, c]]),
                              lambda p: p[2])
        print(f"{label:10s} out of fold F1 N {f1[0]:.3f}  S {f1[1]:.3f}  V {f1[2]:.3f}  "
              f"macro {f1.mean():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
