"""Make the example files of data/examples/ from a local copy of the MIT-BIH Arrhythmia Database.

    python scripts/make_examples.py --source ../shared/data/mitdb

Writes (about 2 MB in all; see data/examples/README.md):
- mitbih_test_500.csv: 500 beats of the intra-patient test split (`data build`'s split, seed 42):
  N 200, S 80, V 100, F 50, Q 70, drawn with seed 0, in the Kaggle layout (187 values, label last,
  no header), values written with 9 significant digits (exact float32);
- mitdb_excerpts/: 5-minute WFDB excerpts (.hea/.dat/.atr, the original format 212 samples and
  annotations, times shifted to the excerpt) of records 208, 213, 232 and 119; for each record
  the 5-minute window, on a 30-second grid, with the most AAMI classes, then the most beats of
  its rarest class;
- strip_119_30s.csv: the first 30 s of the 119 excerpt, lead MLII in mV, one column with a header.
These are the only record data the repository holds.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecgdash.config import AAMI_MAP, CLASSES  # noqa: E402
from ecgdash.datasets import mitbih as dataset  # noqa: E402
from ecgdash.io.examples import BEATS_FILE, EXCERPT_RECORDS, EXCERPTS, STRIP_FILE  # noqa: E402

PER_CLASS = {"N": 200, "S": 80, "V": 100, "F": 50, "Q": 70}
MINUTES = 5
STEP_S = 30
STRIP_S = 30


def beat_file(source: Path, out: Path, beats=None) -> None:
    beats = beats if beats is not None else dataset.build_beats(source)
    _, test = dataset.intra_split(beats.y)
    rng = np.random.default_rng(0)
    pick = np.sort(np.concatenate([
        rng.choice(test[beats.y[test] == c], size=PER_CLASS[name], replace=False)
        for c, name in enumerate(CLASSES)]))
    rows = np.column_stack([beats.X[pick].astype(np.float64), beats.y[pick]])
    np.savetxt(out / BEATS_FILE, rows, fmt=["%.9g"] * 187 + ["%d"], delimiter=",")
    print(f"{BEATS_FILE}: {len(pick)} beats, {Counter(CLASSES[c] for c in beats.y[pick])}")


def best_window(ann, fs: float, length: int) -> int:
    """Start (samples) of the window with the most classes, then the most beats of the rarest."""
    sample, symbol = np.asarray(ann.sample), np.asarray(ann.symbol)
    best, best_key = 0, None
    for start in range(0, int(sample[-1]) - length + 1, int(STEP_S * fs)):
        inside = (sample >= start) & (sample < start + length)
        counts = Counter(AAMI_MAP[s] for s in symbol[inside] if s in AAMI_MAP)
        key = (len(counts), min(counts.values()) if counts else 0)
        if best_key is None or key > best_key:
            best, best_key = start, key
    return best


def excerpt(source: Path, name: str, folder: Path) -> tuple[int, float]:
    import wfdb

    path = str(source / name)
    header = wfdb.rdheader(path)
    ann = wfdb.rdann(path, "atr")
    length = int(MINUTES * 60 * header.fs)
    start = best_window(ann, header.fs, length)
    rec = wfdb.rdrecord(path, sampfrom=start, sampto=start + length, physical=False)
    cut = wfdb.rdann(path, "atr", sampfrom=start, sampto=start + length - 1, shift_samps=True)
    minute = start / header.fs / 60
    comments = [f"Excerpt of MIT-BIH Arrhythmia Database record {name}, {minute:g} to "
                f"{minute + MINUTES:g} min (PhysioNet, ODC-By 1.0); made by scripts/make_examples.py"]
    wfdb.wrsamp(name, fs=header.fs, units=rec.units, sig_name=rec.sig_name, d_signal=rec.d_signal,
                fmt=rec.fmt, adc_gain=rec.adc_gain, baseline=rec.baseline, comments=comments,
                write_dir=str(folder))
    wfdb.wrann(name, "atr", cut.sample, symbol=cut.symbol, subtype=cut.subtype, chan=cut.chan,
               num=cut.num, aux_note=cut.aux_note, write_dir=str(folder))
    counts = Counter(CLASSES[AAMI_MAP[s]] for s in cut.symbol if s in AAMI_MAP)
    print(f"{EXCERPTS}/{name}: {minute:g}-{minute + MINUTES:g} min, {dict(sorted(counts.items()))}")
    return start, header.fs


def strip(folder: Path, out: Path) -> None:
    import wfdb

    rec = wfdb.rdrecord(str(folder / "119"), sampto=int(STRIP_S * 360))
    lead = rec.sig_name.index("MLII")
    np.savetxt(out / STRIP_FILE, rec.p_signal[:, lead], fmt="%.3f", header="MLII", comments="")
    print(f"{STRIP_FILE}: {rec.p_signal.shape[0]} samples of MLII")


def make(source: Path, out: Path, beats=None) -> None:
    """Write every example file into ``out`` (``beats``: all beats of ``source``, if at hand)."""
    folder = out / EXCERPTS
    folder.mkdir(parents=True, exist_ok=True)
    beat_file(source, out, beats)
    for name in EXCERPT_RECORDS:
        excerpt(source, name, folder)
    (folder / "RECORDS").write_text("\n".join(EXCERPT_RECORDS) + "\n")
    strip(folder, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(ROOT.parent / "shared" / "data" / "mitdb"),
                        help="the MIT-BIH folder (.hea/.dat/.atr of all 48 records)")
    parser.add_argument("--out", default=str(ROOT / "data" / "examples"))
    args = parser.parse_args()
    out = Path(args.out)
    make(Path(args.source), out)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{total / 1e6:.2f} MB in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
