"""Where do annotators put the beat mark, and what does it do to the classes?

    python studies/beyond_mitbih/offsets.py [--svdb DIR] [--mitdb DIR]

A Kaggle row starts at the beat's mark. MIT-BIH marks the largest deflection of the QRS (the R
peak, or the S trough of a negative QRS); other databases mark elsewhere in the QRS. For each
record: the median distance (ms) from the mark to the largest deflection from the local baseline
within ±60 ms (channel 0). Then the robust pair on the svdb development records and on DS2,
beats cut at the marks as they are and at the marks moved to that largest deflection
(``ecgdash.ecg.detect.refine_to_fiducial``'s rule): accuracy, F1 of N, S, V, and the share of
reference-N beats called F.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from common import database_parser

from ecgdash.config import DS2
from ecgdash.ecg.cutting import beats_at, is_beat_symbol
from ecgdash.evaluation.metrics import evaluate
from ecgdash.io.wfdb_record import read_wfdb
from ecgdash.models import store
from ecgdash.models.inference import predict_proba

SEARCH_S = 0.06


def fiducial(x: np.ndarray, fs: float, marks: np.ndarray) -> np.ndarray:
    """Each mark moved to the largest deflection from the local baseline (median of ±0.2 s)
    within ±60 ms; the order of the marks is kept."""
    half, base, n = max(1, int(round(SEARCH_S * fs))), int(round(0.2 * fs)), len(x)
    out = marks.copy()
    for k, p in enumerate(marks):
        lo, hi = max(0, p - half), min(n, p + half + 1)
        out[k] = lo + int(np.argmax(np.abs(x[lo:hi] - np.median(x[max(0, p - base):min(n, p + base + 1)]))))
    return out


def main(argv=None) -> int:
    args = database_parser(__doc__.splitlines()[0]).parse_args(argv)
    models = {m: store.load_model(m) for m in ("robust_lstm", "robust_cnn")}
    for tag, folder, names in (("svdb-dev", Path(args.svdb), (Path(args.svdb) / "RECORDS").read_text().split()),
                               ("DS2", Path(args.mitdb), DS2)):
        offsets, labels = [], []
        probas = {(m, w): [] for m in models for w in ("marks", "fiducial")}
        for name in names:
            rec = read_wfdb(folder / name)
            lead = rec.lead_signal(0)
            marks, symbols = rec.ann_sample, rec.ann_symbol
            beat = is_beat_symbol(symbols)
            moved = marks.copy()
            moved[beat] = fiducial(lead.signal, lead.fs, marks[beat])
            offsets.append(np.median(moved[beat] - marks[beat]) / lead.fs * 1000)
            order = np.argsort(moved, kind="stable")
            at_marks, at_peaks = beats_at(lead, marks, symbols), beats_at(lead, moved[order], symbols[order])
            labels.append(at_marks.y)
            for m, model in models.items():
                probas[(m, "marks")].append(predict_proba(model, at_marks))
                probas[(m, "fiducial")].append(predict_proba(model, at_peaks))
        offsets = np.asarray(offsets)
        print(f"{tag}: median offset of the mark from the largest deflection, per record: min "
              f"{offsets.min():.1f} ms, median {np.median(offsets):.1f} ms, max {offsets.max():.1f} ms")
        y = np.concatenate(labels)
        for (m, where), parts in probas.items():
            p = np.concatenate(parts)
            ev = evaluate(y, p)
            f1 = [ev["per_class"][c]["f1"] for c in "NSV"]
            print(f"  {m}, beats cut at the {where}: accuracy {ev['accuracy']:.4f}, F1 N/S/V "
                  + " / ".join(f"{v:.3f}" for v in f1) + f", macro {np.mean(f1):.4f}, N beats called F "
                  f"{np.mean(p.argmax(1)[y == 0] == 3):.4f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
