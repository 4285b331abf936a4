"""Benchmarks that print numbers: ``python benchmarks/bench.py [--only PARTS]``.

Parts (``--only``): ``build`` (all records cut, CSVs written, into a temporary folder);
``models`` (parameters, seconds per training epoch on the intra-patient train split, inference
beats/s on its test split, time to load from trained_models/); ``scoring`` (the Predict page's
work on the test CSV); ``detection`` (QRS detection against every annotated record, time per
record, macro-F1 at annotated vs detected positions); ``strips`` (10-s and 30-s strips of one
lead: beats found vs annotated); ``noise`` (detection under simulated
ambulatory noise); ``explain`` (seconds to explain one beat and 100 beats); ``robust`` (every model on DS2 under other sampling rates, noise, lead 1);
``classroom`` (the Train page's defaults, ``recipes.CLASSROOM``: each reference model trained
and scored on the test split, with its time); ``batch`` (every record of ``--source`` scored by
``ecgdash.pipeline.batch`` on a local Dask cluster of 1 and of 2 workers: records/s, beats/s, speed-up,
peak memory per worker, and what an archive of 24-hour recordings would take, on paper).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from ecgdash.config import AAMI_MAP, data_dir


def _timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def bench_build(source) -> dict:
    from ecgdash.datasets import mitbih as dataset

    with tempfile.TemporaryDirectory() as tmp:
        seconds, summary = _timed(lambda: dataset.build(source=source, out=tmp))
    return {"seconds": seconds, "seconds_cut": summary["seconds_cut"], "beats": summary["beats"]}


def bench_model(name: str, train, test, models=None, epochs: int = 1) -> dict:
    """Parameters, seconds per training epoch (the library's own training: ``train_model``
    with the reference recipe for ``epochs``), inference beats/s and load time of ``name``."""
    from ecgdash.models import store
    from ecgdash.models.inference import predict_proba
    from ecgdash.training.recipes import preset
    from ecgdash.training.reference import train_model

    load_s, model = _timed(lambda: store.load_model(name, folder=models), repeat=3)
    predict_proba(model, test.X[:2048])  # warm-up: builds the predict function
    infer_s, _ = _timed(lambda: predict_proba(model, test), repeat=2)
    card = store.load_card(name, folder=models)
    config = preset("reference", epochs=epochs, batch_size=card["config"]["batch_size"])
    _, fresh = train_model(name, train, config=config)
    return {"params": int(model.count_params()), "seconds_per_epoch": fresh["seconds_per_epoch"],
            "train_beats": len(train), "beats_per_s": len(test) / infer_s,
            "test_beats": len(test), "load_seconds": load_s}


def bench_scoring(models=None, data=None, names=("lstm", "cnn")) -> dict:
    """The Predict page's work on the intra-patient test CSV: parse the bytes, score with both
    models, build the table (what happens between upload and table)."""
    import io

    from ecgdash.io.beats_csv import load_beats
    from ecgdash.models import store
    from ecgdash.pipeline.scoring import score
    from ecgdash.report.predictions import prediction_table

    path = Path(data or data_dir()) / "mitbih_test.csv"
    raw = path.read_bytes()
    loaded = {name: store.load_model(name, folder=models) for name in names}
    score(loaded, np.zeros((8, 187), np.float32))  # trace once, as the app's cached models are
    t0 = time.perf_counter()
    f = io.BytesIO(raw)
    f.name = path.name
    beats = load_beats(f)
    t1 = time.perf_counter()
    probas = score(loaded, beats)
    t2 = time.perf_counter()
    table = prediction_table(beats, probas)
    t3 = time.perf_counter()
    return {"beats": len(table), "mb": len(raw) / 1e6, "parse_s": t1 - t0, "score_s": t2 - t1,
            "table_s": t3 - t2, "total_s": t3 - t0}


def bench_detection(source, names=("lstm", "cnn", "robust_lstm", "robust_cnn"), models=None,
                    records=None) -> dict:
    """QRS detection over every record of ``source`` against its annotated beats (150 ms), the
    time to analyse a record, and macro-F1 of both models on beats cut at the annotated
    positions vs at the detected positions (matched to the annotated beats)."""
    from ecgdash.datasets.mitbih import list_records
    from ecgdash.evaluation.metrics import evaluate
    from ecgdash.models import store
    from ecgdash.pipeline.record import analyze_record

    names = [n for n in names if n in store.list_models(models)]
    loaded = {name: store.load_model(name, folder=models) for name in names}
    names_ = records or list_records(source)
    tp = fn = fp = 0
    seconds, per_record = [], {}
    y_ann, y_det, y_read = [], [], []
    p_ann = {n: [] for n in names}
    p_det = {n: [] for n in names}
    p_read = {n: [] for n in names}
    unreadable = 0
    for rec_name in names_:
        path = Path(source) / rec_name
        a = analyze_record(path, models=loaded, check_quality=False)
        t0 = time.perf_counter()
        d = analyze_record(path, use_annotations=False, models=loaded)
        seconds.append(time.perf_counter() - t0)
        q = d.detection
        tp, fn, fp = tp + q["tp"], fn + q["fn"], fp + q["fp"]
        per_record[rec_name] = q
        known = d.beats.y >= 0
        read = known & d.readable
        unreadable += int((known & ~d.readable).sum())
        y_ann.append(a.beats.y)
        y_det.append(d.beats.y[known])
        y_read.append(d.beats.y[read])
        for n in names:
            p_ann[n].append(a.probas[n])
            p_det[n].append(d.probas[n][known])
            p_read[n].append(d.probas[n][read])
        print(f"  {rec_name}: Se {q['sensitivity']:.4f} PPV {q['ppv']:.4f} "
              f"({q['fn']} missed, {q['fp']} extra) {seconds[-1]:.1f} s; "
              f"{int((~d.readable).sum())} beats unreadable; {d.trust.level}", flush=True)
    y_ann, y_det, y_read = np.concatenate(y_ann), np.concatenate(y_det), np.concatenate(y_read)
    f1 = {n: {"annotated": evaluate(y_ann, np.concatenate(p_ann[n]))["macro_f1"],
              "detected": evaluate(y_det, np.concatenate(p_det[n]))["macro_f1"],
              "readable": evaluate(y_read, np.concatenate(p_read[n]))["macro_f1"]} for n in names}
    return {"records": len(names_), "tp": tp, "fn": fn, "fp": fp,
            "sensitivity": tp / (tp + fn), "ppv": tp / (tp + fp),
            "seconds_mean": float(np.mean(seconds)), "seconds_max": float(np.max(seconds)),
            "unreadable": unreadable, "matched": int(len(y_det)),
            "macro_f1": f1, "per_record": per_record}


def bench_strips(source, seconds=(10, 30), starts_min=(5, 10, 15, 20, 25)) -> dict:
    """Short strips of every record's first lead, as a one-column CSV gives them: beats found by
    the detector on that lead alone against the annotated beats (150 ms), per strip length."""
    from ecgdash.datasets.mitbih import list_records
    from ecgdash.ecg.detect import detect_beats, detection_quality
    from ecgdash.io.wfdb_record import read_wfdb

    out = {}
    for length in seconds:
        tp = fn = fp = 0
        times = []
        for name in list_records(source):
            rec = read_wfdb(Path(source) / name)
            beats = rec.ann_sample[np.isin(rec.ann_symbol, list(AAMI_MAP))]
            for start_min in starts_min:
                lo = int(start_min * 60 * rec.fs)
                hi = lo + int(length * rec.fs)
                ref = beats[(beats >= lo) & (beats < hi)] - lo
                t0 = time.perf_counter()
                found = detect_beats(rec.signals[lo:hi, 0], rec.fs)
                times.append(time.perf_counter() - t0)
                q = detection_quality(ref, found, rec.fs)
                tp, fn, fp = tp + q["tp"], fn + q["fn"], fp + q["fp"]
        out[length] = {"strips": len(times), "tp": tp, "fn": fn, "fp": fp,
                       "sensitivity": tp / (tp + fn), "ppv": tp / (tp + fp),
                       "seconds_mean": float(np.mean(times))}
        r = out[length]
        print(f"{length}-s strips ({r['strips']}, one lead): sensitivity {r['sensitivity']:.4f}, "
              f"positive predictivity {r['ppv']:.4f} ({fn} missed, {fp} extra of {tp + fn} beats); "
              f"detection {r['seconds_mean']:.2f} s per strip", flush=True)
    return out


def bench_detection_noise(source, minutes: float = 10.0,
                          conditions=((12, ("baseline", "muscle")), (6, ("baseline", "muscle", "motion")),
                                      (0, ("motion",)))) -> list[dict]:
    """The detector on DS2 records with simulated ambulatory noise (the first ``minutes`` of
    each), against the annotated beats: the ensemble vs XQRS alone on lead 0."""
    from ecgdash.config import DS2
    from ecgdash.datasets.mitbih import present_records
    from ecgdash.ecg.augment import add_noise
    from ecgdash.ecg.detect import detect_beats, detect_qrs, detection_quality
    from ecgdash.io.wfdb_record import read_wfdb

    rows = []
    for snr, kinds in conditions:
        totals = {"ensemble": np.zeros(3), "xqrs lead 0": np.zeros(3)}
        for name in present_records(source, DS2):
            rec = read_wfdb(Path(source) / name)
            n = int(minutes * 60 * rec.fs)
            ref = rec.ann_sample[np.isin(rec.ann_symbol, list(AAMI_MAP)) & (rec.ann_sample < n)]
            noisy = add_noise(rec.signals[:n], rec.fs, snr, np.random.default_rng(int(name)), kinds)
            for key, found in (("ensemble", detect_beats(noisy, rec.fs)),
                               ("xqrs lead 0", detect_qrs(noisy[:, 0], rec.fs, "xqrs"))):
                q = detection_quality(ref, found, rec.fs)
                totals[key] += (q["tp"], q["fn"], q["fp"])
        for key, (tp, fn, fp) in totals.items():
            rows.append({"snr_db": snr, "noise": "+".join(kinds), "detector": key,
                         "sensitivity": tp / (tp + fn), "ppv": tp / (tp + fp), "fp": int(fp)})
            print(f"  {snr:>3} dB {'+'.join(kinds):<24} {key:<12} sensitivity {tp / (tp + fn):.4f} "
                  f"PPV {tp / (tp + fp):.4f} ({int(fp)} false beats)", flush=True)
    return rows


def run_bench(models=None, data=None, source=None, epochs: int = 1, names=("lstm", "cnn"),
              parts=("build", "models", "scoring", "detection", "strips", "noise", "explain", "robust",
                     "classroom", "batch")) -> dict:
    from ecgdash.datasets import mitbih as dataset

    results = {}
    source = Path(source) if source else data_dir() / dataset.MITDB
    if "build" in parts and source.is_dir():
        results["build"] = bench_build(source)
        b = results["build"]
        print(f"data build: {b['beats']:,} beats, all CSVs written, {b['seconds']:.1f} s "
              f"(cutting the beats: {b['seconds_cut']:.1f} s)", flush=True)
    elif "build" in parts:
        print(f"data build: skipped (no WFDB records at {source}; give --source DIR)")
    built = dataset.data_status(data) is not None
    if not built and {"models", "scoring", "explain"} & set(parts):
        print("models, scoring, explain: skipped (no built data: run `python -m ecgdash data build`)")
    if "models" in parts and built:
        _bench_models(results, models, data, epochs, names)
    if "scoring" in parts and built:
        r = results["scoring"] = bench_scoring(models, data, names)
        print(f"Predict page work on mitbih_test.csv ({r['mb']:.0f} MB, {r['beats']:,} beats): "
              f"parse {r['parse_s']:.1f} s + score both models {r['score_s']:.1f} s + table "
              f"{r['table_s']:.2f} s = {r['total_s']:.1f} s", flush=True)
    if "detection" in parts and source.is_dir():
        print("QRS detection (ensemble) against the annotated beats, per record:")
        r = results["detection"] = bench_detection(source, models=models)
        print(f"detection over {r['records']} records: sensitivity {r['sensitivity']:.4f}, "
              f"positive predictivity {r['ppv']:.4f} ({r['fn']} missed, {r['fp']} extra); "
              f"analysing one record with the detector: mean {r['seconds_mean']:.1f} s, "
              f"max {r['seconds_max']:.1f} s")
        for n, v in r["macro_f1"].items():
            print(f"  {n}: macro-F1 with beats cut at annotated positions {v['annotated']:.4f}, "
                  f"at detected positions {v['detected']:.4f}, readable detected beats only "
                  f"{v['readable']:.4f}")
        print(f"  {r['unreadable']:,} of {r['matched']:,} matched beats lie in unreadable segments")
    if "strips" in parts and source.is_dir():
        results["strips"] = bench_strips(source)
    if "noise" in parts and source.is_dir():
        print("QRS detection with simulated ambulatory noise, DS2 records, first 10 minutes:")
        results["noise"] = bench_detection_noise(source)
    if "explain" in parts and built:
        results["explain"] = bench_explain(models, data)
    if "robust" in parts and source.is_dir():
        results["robust"] = bench_robustness(source, models)
    if "classroom" in parts and built:
        results["classroom"] = bench_classroom(data, names)
    if "batch" in parts and source.is_dir():
        results["batch"] = bench_batch(source, models)
    return results


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # Linux: kB


def bench_batch(source, models=None, workers=(1, 2), beats_per_day: int = 100_000,
                archive: int = 1_000, cluster_sizes=(1, 8, 64)) -> dict:
    """``ecgdash.pipeline.batch`` over every record of ``source`` on local clusters of ``workers``
    processes, each run into a fresh folder (nothing skipped). Per run: seconds, records/s,
    beats/s (worker start-up included), the speed-up over one worker, and the peak resident
    memory of each worker. Then, from the measured per-beat cost of the largest run, the time an
    ``archive`` of 24-hour recordings of ``beats_per_day`` beats would take on ``cluster_sizes``
    workers (on paper: workers on machines like this one, start-up and I/O not included)."""
    from distributed import Client, LocalCluster

    from ecgdash.pipeline.batch import batch

    out = {}
    for n in workers:
        with tempfile.TemporaryDirectory() as tmp, \
                LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                             silence_logs=40) as cluster, Client(cluster) as client:
            t0 = time.perf_counter()
            summary = batch([source], Path(tmp) / "out", scheduler=cluster.scheduler_address,
                            models_dir=models)
            seconds = time.perf_counter() - t0
            peaks = sorted(client.run(_peak_rss).values())
        done = summary[summary["status"] == "done"]
        beats = int(done["beats"].sum())
        out[n] = {"seconds": seconds, "records": len(done), "failed": int(len(summary) - len(done)),
                  "beats": beats, "records_per_s": len(done) / seconds, "beats_per_s": beats / seconds,
                  "peak_mb": [p / 2 ** 20 for p in peaks]}
        r = out[n]
        failed = f", {r['failed']} failed" if r["failed"] else ""
        peaks_mb = ", ".join(f"{m:,.0f}" for m in r["peak_mb"])
        print(f"batch, {n} worker{'s' if n > 1 else ''}: {r['records']} records, {beats:,} beats in "
              f"{seconds:.0f} s: {r['records_per_s']:.2f} records/s, {r['beats_per_s']:,.0f} beats/s"
              f"{failed}; peak memory per worker {peaks_mb} MB", flush=True)
    if len(out) > 1:
        first, last = out[min(out)], out[max(out)]
        print(f"speed-up {max(out)} vs {min(out)} workers: {last['beats_per_s'] / first['beats_per_s']:.2f}x")
    per_worker = out[max(out)]["beats_per_s"] / max(out)
    total = archive * beats_per_day
    for size in cluster_sizes:
        hours = total / (per_worker * size) / 3600
        print(f"on paper: {archive:,} recordings of 24 h ({beats_per_day:,} beats each) on {size} "
              f"worker{'s' if size > 1 else ''} at {per_worker:,.0f} beats/s each: {hours:,.1f} h")
    return out


def bench_classroom(data=None, names=("lstm", "cnn")) -> dict:
    """The Train page with its defaults (``recipes.CLASSROOM``): seconds from the start of
    training to a scored model, and its test macro-F1 and accuracy (intra-patient test split)."""
    import keras

    from ecgdash.datasets import mitbih as dataset
    from ecgdash.training.recipes import CLASSROOM
    from ecgdash.training.reference import one_class_advice, train_model

    train = dataset.load_split("intra", "train", out=data)
    test = dataset.load_split("intra", "test", out=data)
    out = {}
    for name in reversed(names):   # the page offers the CNN first
        seconds, (_, card) = _timed(lambda: train_model(name, train, config=CLASSROOM, test=test))
        ev = card["evaluation"]
        out[name] = {"seconds": seconds, "macro_f1": ev["macro_f1"], "accuracy": ev["accuracy"],
                     "val_accuracy": [round(h["val_accuracy"], 3) for h in card["history"]]}
        print(f"Train page defaults ({CLASSROOM.epochs} epochs, {CLASSROOM.subset:,} beats, batch "
              f"{CLASSROOM.batch_size}), {name}: test macro-F1 {ev['macro_f1']:.3f}, accuracy "
              f"{ev['accuracy']:.3f}, {seconds:.0f} s; validation accuracy by epoch "
              f"{out[name]['val_accuracy']}{'; calls one class only' if one_class_advice(card) else ''}",
              flush=True)
        keras.backend.clear_session()
    return out


def bench_explain(models=None, data=None, names=("lstm", "cnn")) -> dict:
    """Seconds to explain one beat and a batch of 100 (integrated gradients; Grad-CAM for the CNN),
    each model loaded and its explanation function traced first, as in the app."""
    from ecgdash.datasets import mitbih as dataset
    from ecgdash.models import store
    from ecgdash.models.explain import explain

    test = dataset.load_split("intra", "test", out=data)
    batch = test.subset(np.arange(100, 200))
    out = {}
    for name in names:
        model = store.load_model(name, folder=models)
        explain(model, test.subset([0]))                      # trace once
        one, _ = _timed(lambda: explain(model, test.subset([1])), repeat=3)
        hundred, _ = _timed(lambda: explain(model, batch))
        out[name] = {"one_s": one, "hundred_s": hundred}
        line = f"explanations, {name}: integrated gradients one beat {one:.2f} s, 100 beats {hundred:.1f} s"
        if name == "cnn":
            explain(model, test.subset([0]), method="gradcam")
            cam, _ = _timed(lambda: explain(model, batch, method="gradcam"))
            out[name]["gradcam_hundred_s"] = cam
            line += f"; Grad-CAM 100 beats {cam:.2f} s"
        print(line, flush=True)
    return out


def bench_robustness(source, models=None, names=None) -> dict:
    """Every trained model (or those ``names``) on DS2 at 360, 128 and 250 Hz, with 12 dB noise
    and on lead 1 (``robustness.robustness_suite``), a line per model and condition."""
    from ecgdash.evaluation.robustness import format_row, robustness_suite
    from ecgdash.models import store

    names = list(names or store.list_models(models))
    loaded = {n: store.load_model(n, folder=models) for n in names}
    print(f"DS2 robustness of {', '.join(names)} (records from {source}; accuracy / macro-F1 / "
          "S-F1 / V-F1, then the loss of macro-F1 vs 360 Hz):")
    out = robustness_suite(loaded, source, progress=lambda *row: print("  " + format_row(*row), flush=True))
    for name, rows in out.items():
        print(f"  {name}: macro-F1 loss " + ", ".join(
            f"{c} {r['macro_f1_loss']:+.4f}" for c, r in rows.items() if c != "DS2 360 Hz"))
    return out


def _bench_models(results, models, data, epochs, names):
    from ecgdash.datasets import mitbih as dataset

    train = dataset.load_split("intra", "train", out=data)
    test = dataset.load_split("intra", "test", out=data)
    print(f"{'model':>8}{'params':>10}{'s/epoch':>10}{'beats/s':>10}{'load s':>9}"
          f"   (epoch: {len(train):,} beats; inference: {len(test):,} test beats)")
    for name in names:
        r = bench_model(name, train, test, models=models, epochs=epochs)
        results[name] = r
        print(f"{name:>8}{r['params']:>10,d}{r['seconds_per_epoch']:>10.1f}"
              f"{r['beats_per_s']:>10,.0f}{r['load_seconds']:>9.2f}", flush=True)



def main(argv=None) -> int:
    import argparse

    from ecgdash.runtime import import_tensorflow_quietly

    parser = argparse.ArgumentParser(description="Measure build time, epoch time, inference, "
                                     "detection, explanations, robustness, classroom and batch speed.")
    parser.add_argument("--epochs", type=int, default=1, help="epochs to time per model")
    parser.add_argument("--source", help="WFDB folder for the build and detection benchmarks "
                                         "(default data/mitdb)")
    parser.add_argument("--only", help="comma-separated parts: build,models,scoring,detection,strips,"
                                       "noise,explain,robust,classroom,batch")
    parser.add_argument("--data", help="data folder (default data/)")
    parser.add_argument("--models-dir", help="model folder (default trained_models/)")
    args = parser.parse_args(argv)
    import_tensorflow_quietly()
    parts = args.only.split(",") if args.only else ("build", "models", "scoring", "detection",
                                                    "strips", "noise", "explain", "robust", "classroom", "batch")
    run_bench(models=args.models_dir, data=args.data, source=args.source, epochs=args.epochs, parts=parts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
