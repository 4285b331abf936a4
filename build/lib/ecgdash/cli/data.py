"""``ecgdash data fetch|build``: the MIT-BIH database and the beat files."""
from __future__ import annotations

from ecgdash.cli.common import progress_printer
from ecgdash.datasets import mitbih
from ecgdash.errors import OfflineError


def add_parser(sub) -> None:
    data = sub.add_parser("data", help="fetch the MIT-BIH database or build the beat files")
    data_sub = data.add_subparsers(dest="action", required=True)
    fetch = data_sub.add_parser("fetch", help="download MIT-BIH from PhysioNet into data/mitdb/")
    fetch.add_argument("--source", help="copy from this local WFDB folder instead of downloading")
    fetch.add_argument("--dest", help="where to put the records (default data/mitdb)")
    build = data_sub.add_parser("build", help="cut every beat and write the split CSVs into data/")
    build.add_argument("--source", help="WFDB folder (default data/mitdb)")
    build.add_argument("--out", help="output folder (default data/)")
    build.add_argument("--lead", help="lead name or index (default channel 0, as the Kaggle files)")
    build.add_argument("--no-csv", action="store_true", help="write only beats.npz, not the CSVs")
    fetch.set_defaults(run=run_fetch)
    build.set_defaults(run=run_build)


def run_fetch(args) -> int:
    where = "copying from " + args.source if args.source else "downloading from PhysioNet"
    print(f"MIT-BIH Arrhythmia Database: {where}")
    try:
        dest = mitbih.fetch(dest=args.dest, source=args.source, progress=progress_printer("fetch"))
    except OfflineError as exc:
        raise OfflineError(f"{exc} With a local copy of the database: "
                           "python -m ecgdash data fetch --source DIR") from None
    print(f"{len(mitbih.list_records(dest))} records in {dest}")
    return 0


def run_build(args) -> int:
    summary = mitbih.build(source=args.source, out=args.out, lead=args.lead,
                           csv=not args.no_csv, progress=progress_printer("build"))
    counts = summary["counts"]
    print(f"{summary['beats']:,} beats from {summary['records']} records "
          f"in {summary['seconds_total']:.1f} s")
    for part in ("all", "train", "test", "ds1", "ds2"):
        print(f"  {part:>5}: " + " / ".join(f"{c}" for c in counts[part]) + "  (N / S / V / F / Q)")
    for warning in summary["warnings"]:
        print("warning:", warning)
    return 0
