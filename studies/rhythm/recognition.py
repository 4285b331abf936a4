"""How well a recording's rhythm tells a training recording (``ecgdash.datasets.rhythm``),
against the shipped robust pair's prints (DS1 and the svdb development records it trained on).

    python studies/rhythm/recognition.py [--mitdb DIR]

Recognised (should be): the shipped 30-s strip of 119 (360 Hz CSV, detector's beats) and
5-minute excerpts of DS1 records at another start, resampled to 250 Hz, written with three
decimals, their beats found by the detector. New (should not be): DS2's 22 whole records,
detector's beats. Prints the share of beats that line up and with which recording.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from ecgdash.config import DS2
from ecgdash.datasets.rhythm import match
from ecgdash.ecg.detect import detect_beats
from ecgdash.io.uploads import read_recording
from ecgdash.models.store import train_rhythm

ROOT = Path(__file__).resolve().parents[2]
EXCERPTS = (("208", 100), ("119", 700), ("201", 0), ("203", 100), ("106", 300), ("209", 900), ("223", 0))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    args = parser.parse_args(argv)
    mitdb = Path(args.mitdb)
    prints = train_rhythm("robust_cnn")
    print("| recording | lines up with | share of beats |\n|---|---|---|")
    strip = read_recording(ROOT / "data" / "examples" / "strip_119_30s.csv", fs=360)
    found = match(detect_beats(strip.signals, 360.0), 360.0, prints)
    print(f"| shipped 30-s strip of 119 | {found.record} | {found.share:.0%} |")
    for name, start in EXCERPTS:
        x = read_recording(mitdb / name).signals[360 * start:360 * (start + 300), 0]
        y = np.round(resample_poly(x, 25, 36), 3)
        found = match(detect_beats(y[:, None], 250.0), 250.0, prints)
        print(f"| DS1 {name}, 5 min from {start} s, 250 Hz, 3 decimals | {found.record} | {found.share:.0%} |")
    shares = []
    for name in DS2:
        rec = read_recording(mitdb / name)
        found = match(detect_beats(rec.signals, rec.fs), rec.fs, prints)
        shares.append(found.share)
        print(f"| DS2 {name} (new) | {found.record or '-'} | {found.share:.1%} |")
    print(f"\nDS2: at most {max(shares):.1%}, mean {np.mean(shares):.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
