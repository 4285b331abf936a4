"""Peak memory and time of reading hostile and huge uploads: ``python benchmarks/bench_hostile.py``.

Each file is made in a temporary folder, then read in a fresh process the way the Recordings
page reads uploads (``read_recording`` on the uploaded bytes), the WFDB records the way
``ecgdash record`` reads a path, with a rate given so that no file stops at the rate question,
and the beat CSVs the way the Predict page does (``load_beats`` on the uploaded bytes, which
Streamlit holds in memory too: the figure includes them), the built Kaggle-layout train CSV
(``data/mitbih_train.csv``, about 400 MB like Kaggle's) among them when it is built. The child's own peak resident memory (``VmHWM``, the
interpreter and ecgdash's imports included; Linux), its time and what happened (read, or the message it was refused with) are printed, one line per file. Issue 23's
budget: every upload refused or read within about 1 GB; issue 32's gzip of a valid 20-hour CSV
(2 MB, 338 MB unpacked) took 3.2 GB.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXCERPT = ROOT / "data" / "examples" / "mitdb_excerpts" / "119"

CHILD = r"""
import io, json, sys, time
from pathlib import Path
from ecgdash.errors import DataError
t = time.perf_counter()
kind, paths = sys.argv[1], sys.argv[2:]
try:
    if kind == "beats":
        from ecgdash import load_beats
        beats = load_beats(io.BytesIO(Path(paths[0]).read_bytes()))
        outcome = f"read: {len(beats):,} beats"
    else:
        from ecgdash.io.uploads import read_recording
        if kind == "path":      # the command line: the file is read from disk
            rec = read_recording(paths[0], fs=360)
        else:                   # a page: the uploaded bytes
            rec = read_recording([(Path(p).name, Path(p).read_bytes()) for p in paths], fs=360)
        outcome = f"read: {rec.signals.shape[0]:,} samples x {rec.signals.shape[1]}"
except DataError as exc:
    outcome = f"refused: {str(exc)[:110]}"
except MemoryError:
    outcome = "MemoryError"
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"outcome": outcome, "seconds": round(time.perf_counter() - t, 2),
                  "peak_mb": round(hwm / 1024)}))
"""


def make_files(tmp: Path) -> dict[str, tuple[str, list[Path]]]:
    """The files of issue 23 (name -> (how it is read, its paths))."""
    files = {}
    bomb = tmp / "bomb.csv.gz"                       # `yes 0.5 | head -c 1G | gzip -9`
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        block = b"0.5\n" * (1 << 18)
        for _ in range(1024):
            f.write(block)
    files["gzip of 1 GiB of '0.5' (recording)"] = ("recording", [bomb])
    files["gzip of 1 GiB of '0.5' (beats, Predict)"] = ("beats", [bomb])
    header = (EXCERPT.with_suffix(".hea")).read_text().splitlines()
    big = tmp / "big"
    big.mkdir()
    (big / "s1.hea").write_text("\n".join([f"s1 2 360 {250_000_000 // 3 * 2 // 2}",
                                           *[line.replace("119.dat", "s1.dat") for line in header[1:3]]]) + "\n")
    with open(big / "s1.dat", "wb") as f:
        f.truncate(500_000_000)                      # sparse, 500 MB
    zipped = tmp / "s1.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(big / "s1.hea", "s1.hea")
        z.write(big / "s1.dat", "s1.dat")
    files["zip of a 500 MB .dat (recording)"] = ("recording", [zipped])
    for size, label in ((400_000_000, "400 MB"), (2_000_000_000, "2 GB")):
        folder = tmp / f"sparse{size}"
        folder.mkdir()
        (folder / "s2.hea").write_text("\n".join(["s2 2 360", *[line.replace("119.dat", "s2.dat")
                                                               for line in header[1:3]]]) + "\n")
        with open(folder / "s2.dat", "wb") as f:
            f.truncate(size)
        files[f"sparse {label} .dat, no count in the header (command line)"] = ("path", [folder / "s2"])
    column = tmp / "column.csv"
    x = np.round(np.sin(np.arange(5_000_000) / 50), 3)
    column.write_text("\n".join(map(str, x)))
    files["one-column CSV, 5 million rows"] = ("recording", [column])
    big_column = tmp / "big_column.zip"
    with zipfile.ZipFile(big_column, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("column.csv", "w") as member:
            line = ("\n".join(map(str, x[:500_000])) + "\n").encode()
            written = 0
            while written < 500_000_000:
                member.write(line)
                written += len(line)
    files["zip of a 500 MB one-column CSV"] = ("recording", [big_column])
    repeated = tmp / "repeated.csv.gz"               # issue 32: 2 MB of gzip, a valid 338 MB CSV
    rng = np.random.default_rng(0)
    second = ("\n".join(f"{v:.3f},{w:.3f}" for v, w in rng.normal(0, 0.5, (360, 2))) + "\n").encode()
    with gzip.open(repeated, "wb", compresslevel=9) as f:
        for _ in range(72_000):                      # 20 hours of one second, repeated
            f.write(second)
    files["gzip of a valid 2-lead CSV, 20 hours (338 MB unpacked)"] = ("recording", [repeated])
    kaggle = ROOT / "data" / "mitbih_train.csv"      # built by `ecgdash data build` (Kaggle layout)
    if kaggle.is_file():
        files[f"Kaggle-layout train CSV, {kaggle.stat().st_size / 1e6:.0f} MB (beats, Predict)"] = ("beats", [kaggle])
    return files


def measure(kind: str, paths: list[Path], timeout: float) -> dict:
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, kind, *map(str, paths)], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        result = json.loads(last) if last.startswith("{") else {"outcome": f"crashed: {proc.stderr[-200:]}"}
    except subprocess.TimeoutExpired:
        result = {"outcome": f"did not finish in {timeout:.0f} s"}
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", default="", help="only the files whose label contains this text")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ecgdash_hostile_") as tmp:
        files = make_files(Path(tmp))
        print("| file | size on disk | outcome | peak memory | seconds |\n|---|---|---|---|---|")
        for label, (kind, paths) in files.items():
            if args.only.lower() not in label.lower():
                continue
            size = sum(f.stat().st_blocks * 512 for p in paths for f in ([p] if p.exists() else p.parent.glob(p.name + ".*")))
            r = measure(kind, paths, args.timeout)
            peak = f"{r['peak_mb']:,} MB" if r.get("peak_mb") else "-"
            print(f"| {label} | {size / 1e6:,.1f} MB | {r['outcome']} | {peak} | {r['wall_s']} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
