"""Choose the signal-quality levels of ``ecgdash.ecg.quality`` on DS1, then report them on DS2.

For each record (first 5 minutes, MLII), clean and with baseline wander + muscle + electrode
motion noise at 12, 6, 3, 0, -3 and -6 dB SNR: run the three detectors on the one lead, fuse
two of three, and score each 10-s segment's fused detections against the annotated beats (F1;
"failed" below 0.9). The index is the best pair's agreement (``quality.segment_quality``).

    python studies/signal_quality/quality_levels.py [--source ../shared/data/mitdb]

Prints, per split, how many failed segments each cut flags and how many of the others; the
committed levels are the rule applied to DS1 (unreadable: largest cut flagging at most 2 % of
non-failed segments; noisy: smallest cut flagging at least 90 % of failed ones).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ecgdash.config import DS1, DS2
from ecgdash.ecg.augment import add_noise
from ecgdash.ecg.cutting import is_beat_symbol
from ecgdash.ecg.detect import detect_qrs, fuse_detections, refine_to_fiducial
from ecgdash.ecg.quality import QUALITY_DETECTORS, pair_agreement, segment_bounds
from ecgdash.io.wfdb_record import read_wfdb

SNRS = (None, 12, 6, 3, 0, -3, -6)
CUTS = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def segments_of(path: Path, seconds: float = 300.0) -> list[dict]:
    rec = read_wfdb(path)
    fs = rec.fs
    n = int(seconds * fs)
    x0 = rec.signals[:n, 0]
    beats = rec.ann_sample[is_beat_symbol(rec.ann_symbol)]
    beats = beats[beats < n]
    rows = []
    for snr in SNRS:
        x = x0 if snr is None else add_noise(x0, fs, snr, np.random.default_rng([snr + 10, int(path.name)]),
                                             ("baseline", "muscle", "motion"))
        lists = [detect_qrs(x, fs, m) for m in QUALITY_DETECTORS]
        fused = fuse_detections(lists, fs, 2)
        fused = refine_to_fiducial(x, fs, fused) if len(fused) else fused
        bounds = segment_bounds(len(x), fs)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            part = [p[(p >= lo) & (p < hi)] for p in lists]
            agree = max(pair_agreement(part[i], part[j], fs) for i in range(3) for j in range(i + 1, 3))
            truth = pair_agreement(beats[(beats >= lo) & (beats < hi)], fused[(fused >= lo) & (fused < hi)], fs)
            rows.append({"record": path.name, "snr": "clean" if snr is None else snr, "start_s": lo / fs,
                         "agreement": agree, "failed": truth < 0.9})
    return rows


def report(frame: pd.DataFrame, name: str) -> None:
    failed, other = frame[frame.failed], frame[~frame.failed]
    print(f"\n{name}: {len(frame)} segments, {len(failed)} failed")
    for cut in CUTS:
        print(f"  cut {cut:.2f}: flags {np.mean(failed.agreement < cut):.3f} of failed, "
              f"{np.mean(other.agreement < cut):.3f} of the others, "
              f"{np.mean(frame[frame.snr == 'clean'].agreement < cut):.3f} of clean segments")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(Path(__file__).resolve().parent.parent.parent / "shared/data/mitdb"))
    args = parser.parse_args()
    source = Path(args.source)
    start = time.perf_counter()
    for name, records in (("DS1 (choose)", DS1), ("DS2 (report)", DS2)):
        frame = pd.DataFrame([row for r in records for row in segments_of(source / r)])
        report(frame, name)
        if name.startswith("DS1"):
            other, failed = frame[~frame.failed], frame[frame.failed]
            unreadable = max(c for c in CUTS if np.mean(other.agreement < c) <= 0.02)
            noisy = min(c for c in CUTS if np.mean(failed.agreement < c) >= 0.90)
            print(f"  chosen: unreadable below {unreadable}, noisy below {noisy}")
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
