"""``ecgdash record PATH``: find and classify every beat of one recording."""
from __future__ import annotations

import sys
from pathlib import Path

from ecgdash.cli.common import add_fs_option, add_model_options, positive, quiet_tensorflow, recording_models
from ecgdash.io.files import atomic_write, output_file
from ecgdash.models import store
from ecgdash.pipeline.record import analyze_record
from ecgdash.report.predictions import beat_table
from ecgdash.report.printable import recording_report


def add_parser(sub) -> None:
    record = sub.add_parser("record", help="find and classify every beat of a recording")
    record.add_argument("path", help="WFDB record (path without extension, or its .hea), .zip, "
                        "EDF/BDF, a 12-lead file from an ECG cart (HL7 aECG, Philips or GE MUSE XML, "
                        "SCP-ECG, DICOM) or a Holter's ISHNE, Apple Health ECG export or CSV/TXT")
    record.add_argument("--lead", help="lead name or index (default: MLII or lead II when the "
                        "recording has one, else the first)")
    add_fs_option(record)
    record.add_argument("--invert", action="store_true",
                        help="flip the lead upside down first (electrodes swapped)")
    record.add_argument("--adapt", action="store_true",
                        help="adapt the models to the recording from its unlabelled beats "
                             "(ecgdash.models.adapt). Off by default: chosen on MIT-BIH, it lowered "
                             "every class on another database (svdb)")
    record.add_argument("--detect", action="store_true",
                        help="use the QRS detector even when the record has annotations")
    record.add_argument("--out", help="write the table of every beat to this CSV (default: none)")
    record.add_argument("--report", metavar="FILE.pdf",
                        help="write a printable one-page report: 10 s of strip on ECG paper with each "
                             "model's calls, the counts, the trust note and its facts, the cards")
    record.add_argument("--report-at", type=positive, metavar="SECONDS",
                        help="centre the report's strip on this time (default: the start)")
    add_model_options(record, default="the recordings pair")
    record.set_defaults(run=run)


def run(args) -> int:
    for path in (args.out, args.report):     # before any work: a link, a pipe, a device, a read-only place
        if path:
            output_file(path)
    quiet_tensorflow()
    names = recording_models(args)
    models = {n: store.load_model(n, folder=args.models_dir) for n in names}   # each with its card
    result = analyze_record(args.path, fs=args.fs, lead=args.lead, use_annotations=not args.detect,
                            models=models, invert=args.invert, adapt=args.adapt)
    rec = result.recording
    length = f"{rec.duration / 60:.1f} min" if rec.duration >= 120 else f"{rec.duration:.0f} s"
    print(f"{rec.name}: {length} at {rec.fs:g} Hz, lead {result.lead}, "
          f"{len(result.beats):,} beats from the {result.source}")
    print(f"trust: {result.trust.sentence}")
    for what, value, meaning in result.trust.facts.itertuples(index=False):
        print(f"  {what}: {value} ({meaning})")
    for warning in result.warnings:
        print("warning:", warning)
    if result.detection:
        d = result.detection
        print(f"detector vs annotations: sensitivity {d['sensitivity']:.4f}, "
              f"positive predictivity {d['ppv']:.4f} ({d['tp']} found, {d['fn']} missed, "
              f"{d['fp']} extra)")
    print("beats per class:")
    print(result.counts.to_string())
    if result.unadapted:
        print("before adapting to this recording:")
        print(result.unadapted_counts.to_string())
    for name, q in result.model_quality.items():
        before = result.unadapted_quality.get(name)
        was = (f" (before adapting: {before['accuracy']:.4f}, {before['macro_f1']:.4f})"
               if before else "")
        print(f"{name} vs reference: accuracy {q['accuracy']:.4f}, macro-F1 {q['macro_f1']:.4f}{was}")
    if result.model_quality:
        print(result.quality_frame().to_string(index=False, float_format="{:.4f}".format, na_rep="n/a"))
    if not args.out:
        print("(add --out FILE.csv to write the table of every beat)")
    outputs = [(args.out, lambda: beat_table(result).to_csv(index=False, na_rep="n/a").encode(), "beat table"),
               (args.report, lambda: recording_report(result, center=args.report_at, cards={
                   n: getattr(m, "card", None) for n, m in models.items()}), "report")]
    for path, make, what in outputs:
        if not path:
            continue
        try:
            data = make()
            atomic_write(Path(path), lambda f, data=data: f.write(data))
        except OSError as exc:
            print(f"error: could not write {path}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"{what}: {path}")
    return 0
