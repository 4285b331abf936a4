"""Measure the facts ``ecgdash.ecg.plausibility`` reads on real ECGs, noisy ECGs and non-ECGs.

    python studies/plausibility/plausibility_levels.py [--mitdb DIR] [--svdb DIR] [--out table.csv]

For every MIT-BIH record (whole, channel 0), DS1's and DS2's first 5 minutes with muscle and
electrode-motion noise at 6 and 0 dB SNR, every svdb development record, and five non-ECGs
(uniform and Gaussian noise, a random walk, 1.2 Hz and 10 Hz sines): the median rate, beat
likeness and whiteness at the detector's beats, and whether ``check_plausible`` passes. Prints
the range of each fact per group: the thresholds are chosen on DS1 and svdb-dev, DS2 checks them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ecgdash.config import DS1, DS2, ROOT
from ecgdash.ecg.augment import add_noise
from ecgdash.ecg.detect import detect_beats
from ecgdash.ecg.plausibility import check_plausible, plausibility_facts
from ecgdash.errors import NotAnECG
from ecgdash.io.wfdb_record import read_wfdb


def row(group: str, name: str, x: np.ndarray, fs: float) -> dict:
    positions = detect_beats(x, fs)
    facts = plausibility_facts(x, fs, positions)
    try:
        check_plausible(x, fs, positions)
        ok = True
    except NotAnECG:
        ok = False
    return {"group": group, "signal": name, **facts, "passes": ok}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    parser.add_argument("--svdb", default=str(ROOT.parent / "shared" / "data" / "svdb-dev"))
    parser.add_argument("--out", help="write every row to this CSV")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    rows = []
    mitdb = Path(args.mitdb)
    for name in (mitdb / "RECORDS").read_text().split():
        x = read_wfdb(mitdb / name).signals[:, 0]
        group = "DS1" if name in DS1 else "DS2" if name in DS2 else "paced"
        rows.append(row(group, name, x, 360.0))
        if group != "paced":
            for snr in (6, 0):
                noisy = add_noise(x[: 5 * 60 * 360], 360, float(snr), rng, ("muscle", "motion"))
                rows.append(row(f"{group} {snr} dB", name, noisy, 360.0))
    svdb = Path(args.svdb)
    if (svdb / "RECORDS").is_file():
        for name in (svdb / "RECORDS").read_text().split():
            rows.append(row("svdb-dev", name, read_wfdb(svdb / name).signals[:, 0], 128.0))
    for fs in (128.0, 360.0):
        n = int(fs * 300)
        t = np.arange(n) / fs
        for name, x in (("uniform noise", rng.random(n)), ("Gaussian noise", rng.normal(size=n)),
                        ("random walk", np.cumsum(rng.normal(size=n))),
                        ("sine 1.2 Hz", np.sin(2 * np.pi * 1.2 * t)), ("sine 10 Hz", np.sin(2 * np.pi * 10 * t))):
            rows.append(row(f"not an ECG, {fs:g} Hz", name, x, fs))
    table = pd.DataFrame(rows)
    if args.out:
        table.to_csv(args.out, index=False)
    summary = table.groupby("group").agg(
        signals=("signal", "size"), passes=("passes", "sum"),
        likeness_min=("likeness", "min"), whiteness_max=("whiteness", "max"),
        qrs_band_min=("qrs_band", "min"), tone_max=("tone", "max"),
        rate_min=("rate", "min"), rate_max=("rate", "max"))
    print(summary.to_string(float_format="{:.3f}".format))
    for _, r in table[~table["passes"] & ~table["group"].str.startswith("not")].iterrows():
        print(f"rejected ECG: {r['group']} {r['signal']}: likeness {r['likeness']:.2f}, "
              f"whiteness {r['whiteness']:.2f}, rate {r['rate']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
