"""``ecgdash batch SOURCE... --out DIR``: score an archive of recordings on Dask."""
from __future__ import annotations

import argparse
import re
import time

from ecgdash.cli.common import add_fs_option, add_model_options, progress_printer, recording_models, whole
from ecgdash.pipeline.batch import batch

#: What a Dask scheduler's address looks like (``tcp://host:8786``, ``tls://...``).
SCHEDULER = re.compile(r"(tcp|tls|ucx|inproc|ws|wss)://[^\s/]+(:\d+)?/?")


def scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler's address."""
    if not SCHEDULER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a Dask scheduler's address: give e.g. "
                                         "tcp://host:8786 (or leave --scheduler out for a local cluster)")
    return text


def add_parser(sub) -> None:
    bt = sub.add_parser("batch", help="score every recording of folders, files or globs on Dask "
                        "(a local cluster, or --scheduler); resumable")
    bt.add_argument("sources", nargs="+", help="recordings: files, folders (searched recursively) "
                    "or glob patterns (quote them)")
    bt.add_argument("--out", required=True, help="output folder: beats/ (Parquet, one part per "
                    "record), records/, summary.parquet and summary.csv")
    bt.add_argument("--scheduler", type=scheduler_address, help="address of a running Dask scheduler, e.g. tcp://host:8786 "
                    "(default: a local cluster)")
    bt.add_argument("--workers", type=whole(1, maximum=1024), help="worker processes of the local cluster "
                    "(default: one per core, as memory allows)")
    bt.add_argument("--annotations", action="store_true",
                    help="take beats from .atr annotations when present (default: the QRS "
                         "detector, measured against the annotations where they exist)")
    add_fs_option(bt, files="CSV/TXT signals")
    add_model_options(bt, default="the recordings pair; a cluster's workers must see --models-dir "
                      "at the same path")
    bt.set_defaults(run=run)


def run(args) -> int:
    models = recording_models(args)
    where = f"the Dask cluster at {args.scheduler}" if args.scheduler else (
        f"a local Dask cluster of {args.workers} workers" if args.workers else "a local Dask cluster")
    print(f"scoring recordings with {', '.join(models)} on {where}; writing to {args.out}", flush=True)
    start = time.perf_counter()
    summary = batch(args.sources, args.out, scheduler=args.scheduler, workers=args.workers,
                    models=models, models_dir=args.models_dir, use_annotations=args.annotations,
                    fs=args.fs, progress=progress_printer("records"))
    done = summary[summary["status"] == "done"] if len(summary) else summary
    failed = summary[summary["status"] != "done"] if len(summary) else summary
    skipped = summary.attrs.get("skipped", 0)
    print(f"{len(done)} records scored ({int(done['beats'].sum()) if len(done) else 0:,} beats; "
          f"{skipped} of them finished in an earlier run and skipped), {len(failed)} failed; "
          f"{time.perf_counter() - start:.0f} s. Summary: {args.out}/summary.csv, beats: {args.out}/beats/")
    for sentence in summary.attrs.get("said", []):
        print(f"  {sentence}")
    for _, row in failed.iterrows():
        print(f"  failed: {row['record']}: {row['error']}")
    if summary.attrs.get("write_error"):
        print(f"  {summary.attrs['write_error']}")
    return 0 if len(done) and not len(failed) and not summary.attrs.get("write_error") else 1
