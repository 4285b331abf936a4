"""Scoring whole archives: every recording of some folders, files or globs, on a Dask cluster.

    summary = ecgdash.batch(["holter/"], "scores/")                       # a local Dask cluster
    summary = ecgdash.batch(["/archive/*.edf"], "scores/", scheduler="tcp://host:8786")

Each recording is one task: a worker reads it, finds and classifies its beats with
``analyze_record`` and writes them itself, so the client only ever holds one summary row per
record and memory stays flat however large the archive. Every worker loads the models once (the
first task it runs), not once per record. What ``out`` holds:

- ``beats/record=<id>/part-0.parquet``: one row per beat (record, beat, time, sample, the
  reference label when annotated, each model's class and confidence, the signal-quality flag),
  partitioned by record (``pandas.read_parquet(out / "beats")`` reads them all);
- ``records/<id>.json``: the record's summary, written last, with what it was scored from: the
  options (models and their checksums, annotations or detector, rate) and its files' content
  (a sha256 of every file of the recording). A rerun skips a finished record only when both
  are the same; a changed file or option is scored again and the run says so; a recording of
  another folder that has the same id gets an id of its own (``208_2``), so nothing scored
  before is replaced by another recording's results. A record that failed is always tried again;
- ``summary.parquet`` and ``summary.csv``: one row per recording of this run (beats per class
  for each model, heart rate, detection quality when annotated, the trust sentence, the error
  if any), every row from the same options: a run killed half way leaves the previous summary
  as it was.

On a cluster the workers must see the recordings and ``out`` at the same paths (a shared file
system) and have ecgdash installed. One run at a time per output folder (``out/batch.lock``); a
record whose results cannot be written (disk full, read-only folder) is reported as failed
with the reason, and the run goes on.
"""
from __future__ import annotations

import glob
import hashlib
import itertools
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import psutil

from ecgdash.config import CLASSES
from ecgdash.errors import DataError
from ecgdash.io.cart import cart_format
from ecgdash.io.edf import EDF_SUFFIXES
from ecgdash.io.files import FolderLock, atomic_write
from ecgdash.io.recording import SIGNAL_SUFFIXES, WFDB_SUFFIXES
from ecgdash.models import registry
from ecgdash.models.store import load_model
from ecgdash.pipeline.record import analyze_record
from ecgdash.report.predictions import beat_table
from ecgdash.runtime import import_tensorflow_quietly

#: Files that are one recording each (a WFDB record is found by its ``.hea``).
RECORDING_SUFFIXES = (".hea", ".zip", *EDF_SUFFIXES, *SIGNAL_SUFFIXES)
#: Files a folder scan passes over although their suffix could be a recording's: the listings
#: and checksums PhysioNet ships with every database (``SHA256SUMS.txt``), readmes, licences.
NOT_RECORDINGS = re.compile(r"(SHA\d*SUMS|MD5SUMS|README|LICEN[CS]E|RECORDS|ANNOTATORS)\b.*", re.I)
#: Memory a worker needs (TensorFlow, four small models, one 24-hour recording): sizes the
#: default local cluster on small machines.
WORKER_MEMORY = 2 * 1024 ** 3
Progress = Callable[[int, int, str], None]


def find_recordings(sources, *, exclude=None) -> list[tuple[str, str]]:
    """The recordings named by ``sources``: ``(record id, path)`` pairs, in a stable order.

    Parameters
    ----------
    sources : str, Path or sequence of them
        Files, folders (searched recursively) or glob patterns (``**`` allowed). A WFDB record
        is its ``.hea``, or its path without extension (its ``.dat`` and ``.atr`` name the same
        record); EDF/BDF, CSV,
        TXT, TSV, ``.gz`` and ``.zip`` files are one recording each, and so is a file of any
        name in a cart or Holter format (``io.cart``, recognised by its first bytes).

        In a folder, PhysioNet's listings and checksums (``RECORDS``, ``SHA256SUMS.txt``) and
        readmes are passed over (``NOT_RECORDINGS``); a file named explicitly never is.
    exclude : str or Path, optional
        A folder whose files are never recordings (the output folder, when it lies inside a
        source folder: its summary.csv is not a recording).

    Returns
    -------
    list of (str, str)
        A unique id per recording (the path under the folder given, ``__`` for ``/``; only
        letters, digits, ``.``, ``_``, ``-``) and the path ``analyze_record`` reads (a WFDB
        record without its extension).

    Raises
    ------
    DataError
        A source that names nothing, or no recording at all.
    """
    if isinstance(sources, (str, Path)):
        sources = [sources]
    skip = Path(exclude).resolve() if exclude is not None else None
    found: list[tuple[Path, Path]] = []          # (path, the folder its id is relative to)
    for source in map(str, sources):
        if not glob.has_magic(source) and not Path(source).exists() and Path(source + ".hea").is_file():
            source += ".hea"          # a WFDB record named without its extension
        matches = sorted(glob.glob(source, recursive=True)) if glob.has_magic(source) else [source]
        if not matches or not any(Path(m).exists() for m in matches):
            raise DataError(f"{source}: no such file or folder.")
        for match in map(Path, matches):
            if match.is_dir():
                found += [(p, match) for p in sorted(match.rglob("*"))
                          if p.is_file() and not NOT_RECORDINGS.fullmatch(p.name)
                          and not any(part.startswith(".") for part in p.relative_to(match).parts)
                          and (skip is None or skip not in p.resolve().parents)]
            elif match.is_file():
                found.append((match, match.parent))
    out, seen, ids = [], set(), set()
    for path, root in found:
        suffix = path.suffix.lower()
        if suffix in (".dat", ".atr") and path.with_suffix(".hea").is_file():
            path, suffix = path.with_suffix(".hea"), ".hea"
        if suffix not in RECORDING_SUFFIXES and not _is_cart(path):
            continue
        target = path.with_suffix("") if suffix == ".hea" else path
        if target.resolve() in seen:
            continue
        seen.add(target.resolve())
        rel = path.relative_to(root).with_suffix("") if suffix == ".hea" else path.relative_to(root)
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", "__".join(rel.parts)).strip("_") or "record"
        base = base if suffix == ".hea" else re.sub(r"\.(csv|txt|tsv|gz|zip|edf|bdf|rec|xml|dcm|scp|ecg)$", "", base, flags=re.I)
        rid, k = base, 2
        while rid in ids:
            rid, k = f"{base}_{k}", k + 1
        ids.add(rid)
        out.append((rid, str(target)))
    if not out:
        raise DataError("No recordings found (WFDB .hea, EDF/BDF, cart files, CSV/TXT or .zip files) in "
                        + ", ".join(map(str, sources)) + ".")
    return out


def _is_cart(path: Path) -> bool:
    """Whether ``path`` is a cart or Holter file (by its first bytes; WFDB's own files are not)."""
    if path.suffix.lower() in WFDB_SUFFIXES:
        return False
    try:
        with open(path, "rb") as f:
            return cart_format(f.read(4096)) is not None
    except OSError:
        return False


def recording_files(path: str) -> list[Path]:
    """The files a recording is read from: a WFDB record's ``<name>.*`` files (header, signal,
    annotations), or the one file."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(p for p in path.parent.glob(glob.escape(path.name) + ".*") if p.is_file())


def files_stamp(files) -> list:
    """Each file's name, size and modification time: when these are as stored, the stored
    content digest still holds (a file changed in place has another time)."""
    out = []
    for f in files:
        st = f.stat()
        out.append([f.name, st.st_size, st.st_mtime_ns])
    return out


def content_digest(files) -> str:
    """sha256 of the recording's files (names and contents): what the recording is."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0")
        with open(f, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


_WORKER_MODELS: dict = {}
_WORKER_LOCK = threading.Lock()
_WORKER_LOADS = [0]


def _worker_models(names: tuple, models_dir: str | None, threads: int | None):
    """The models of this worker process (each with its card), loaded on its first task only."""
    key = (names, models_dir)
    with _WORKER_LOCK:
        if key not in _WORKER_MODELS:
            import_tensorflow_quietly(threads)
            for attempt in range(3):
                try:
                    _WORKER_MODELS[key] = {n: load_model(n, folder=models_dir) for n in names}
                    break
                except DataError as exc:
                    # seen under load in a fresh worker: Keras still being imported by another of
                    # its threads ("module 'keras' has no attribute 'saving'"); it is done soon after
                    if "ImportError" not in str(exc) or attempt == 2:
                        raise
                    time.sleep(1.0)
            _WORKER_LOADS[0] += 1
        return _WORKER_MODELS[key]


def worker_loads() -> int:
    """How many times this process loaded a set of models (``Client.run`` asks each worker)."""
    return _WORKER_LOADS[0]


def beat_frame(result, record: str) -> pd.DataFrame:
    """One row per beat of an ``analyze_record`` result, as ``batch`` writes it."""
    table = beat_table(result)
    frame = pd.DataFrame({"record": record, "beat": table["beat"].astype("int64"),
                          "time_s": table["time_s"].astype("float64"),
                          "sample": table["sample"].astype("int64")})
    frame["reference"] = table["reference"].replace("", None) if "reference" in table else None
    for name in result.probas:
        frame[f"{name}_class"] = table[f"{name}_class"].astype(str)
        frame[f"{name}_confidence"] = table[f"{name}_confidence"].astype("float32")
    frame["signal"] = table["signal"].astype(str) if "signal" in table else "unchecked"
    return frame


def summary_row(result, record: str, path: str) -> dict:
    """The summary of one analysed recording (what ``records/<id>.json`` holds)."""
    rec = result.recording
    row = {"record": record, "path": path, "status": "done", "error": None,
           "duration_s": round(float(rec.duration), 1), "fs": float(rec.fs), "lead": result.lead,
           "beats_from": result.source, "beats": int(len(result.beats)),
           "heart_rate_bpm": round(float(np.nanmedian(result.heart_rate["bpm"])), 1)
           if len(result.heart_rate) else None}
    counts = result.counts
    for name in result.probas:
        for cls in (*CLASSES, "unreadable"):
            row[f"{name}_{cls}"] = int(counts.loc[cls, name]) if cls in counts.index else 0
    if "reference" in counts.columns:
        for cls in CLASSES:
            row[f"reference_{cls}"] = int(counts.loc[cls, "reference"])
    det = result.detection or {}
    row["detection_sensitivity"] = det.get("sensitivity")
    row["detection_ppv"] = det.get("ppv")
    row["trust"] = result.trust.level if result.trust else None
    row["trust_sentence"] = result.trust.sentence if result.trust else None
    return row


def run_options(names, models_dir, use_annotations: bool, fs) -> dict:
    """What decides a record's scores, stored with each: a rerun reuses a record only when
    these are the same (the models by name and by the checksum of their files)."""
    from ecgdash.models.store import load_card

    return {"models": {n: load_card(n, folder=models_dir).get("keras_sha256") for n in names},
            "use_annotations": bool(use_annotations), "fs": fs}


def score_recording(record: str, path: str, out: str, *, names: tuple, models_dir: str | None = None,
                    threads: int | None = None, use_annotations: bool = False,
                    fs: float | None = None, options: dict | None = None,
                    content: dict | None = None) -> dict:
    """One task: analyse ``path``, write its beats and summary under ``out``; return the summary
    (``options`` and ``content``, what the recording was scored from, are stored with it).

    Never raises for a bad recording nor for results that cannot be written: the summary then
    holds ``status="failed"`` and the error.
    """
    start = time.perf_counter()
    out = Path(out)
    try:
        models = _worker_models(tuple(names), models_dir, threads)
        result = analyze_record(path, models=models, use_annotations=use_annotations, fs=fs)
        frame = beat_frame(result, record)
        folder = out / "beats" / f"record={record}"
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / "part-0.parquet", lambda f: frame.drop(columns="record").to_parquet(f, index=False))
        row = summary_row(result, record, path)
    except DataError as exc:
        row = {"record": record, "path": path, "status": "failed", "error": str(exc)}
    except Exception as exc:   # a worker must report any failure and go on with the archive
        row = {"record": record, "path": path, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    row["seconds"] = round(time.perf_counter() - start, 2)
    row["worker_pid"] = os.getpid()
    row["options"] = options
    row["content"] = content
    row["path_resolved"] = str(Path(path).resolve())
    try:
        (out / "records").mkdir(parents=True, exist_ok=True)
        atomic_write(out / "records" / f"{record}.json", lambda f: f.write(json.dumps(row).encode()))
    except OSError as exc:
        row = {**row, "status": "failed", "error": f"its results could not be written to {out} "
               f"({exc.strerror or exc}); the record is scored again next run"}
        row.pop("beats", None)
    return row


def _stored(out: Path, record: str) -> dict | None:
    """The stored summary of ``record`` under ``out`` (None when there is none)."""
    try:
        row = json.loads((out / "records" / f"{record}.json").read_text())
    except (OSError, ValueError):
        return None
    return row if isinstance(row, dict) else None


def plan(found, out: Path, options: dict) -> tuple[list, list, list]:
    """What a run does with each recording found: ``(todo, reused, said)``.

    ``todo``: ``(id, path, content)`` to score; ``reused``: the ids finished earlier from the same
    files with the same options; ``said``: sentences for the user (a recording scored again
    because its files or the options changed, a recording given another id because another one
    already has its id). ``content`` is ``{"digest", "files"}`` (``content_digest``,
    ``files_stamp``); the digest is computed again only for files whose stamp changed."""
    todo, reused, said, taken = [], [], [], set()
    for rid, path in found:
        files = recording_files(path)
        stamp = files_stamp(files)
        where = str(Path(path).resolve())
        prior = _stored(out, rid)
        digest = (prior["content"]["digest"] if prior and prior.get("path_resolved") == where
                  and (prior.get("content") or {}).get("files") == stamp else content_digest(files))
        base, k = rid, 2
        while rid in taken or (prior and prior.get("path_resolved") not in (None, where)
                               and (prior.get("content") or {}).get("digest") != digest):
            rid, k = f"{base}_{k}", k + 1           # another recording has this id: keep its results
            prior = _stored(out, rid)
        taken.add(rid)
        if rid != base:
            said.append(f"{path}: a different recording from the {base} scored here before, "
                        f"so scored as {rid}")
        content = {"digest": digest, "files": stamp}
        if prior and prior.get("status") == "done" and (out / "beats" / f"record={rid}" / "part-0.parquet").is_file():
            if prior.get("options") == options and (prior.get("content") or {}).get("digest") == digest:
                reused.append(rid)
                continue
            why = ("its files changed" if (prior.get("content") or {}).get("digest") not in (None, digest)
                   else "the options changed (models, annotations or rate)" if prior.get("options") != options
                   else "it was scored before the files were checked")
            said.append(f"{rid}: scored again, {why} since the earlier run")
        todo.append((rid, path, content))
    return todo, reused, said


def read_summary(out, records=None) -> pd.DataFrame:
    """The stored summary rows under ``out`` (of ``records`` only, when given), sorted by record."""
    rows = []
    wanted = None if records is None else set(records)
    for path in sorted((Path(out) / "records").glob("*.json")):
        if wanted is not None and path.stem not in wanted:
            continue
        try:
            row = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for key in ("options", "content", "path_resolved"):
            row.pop(key, None)
        rows.append(row)
    return pd.DataFrame(rows).sort_values("record", ignore_index=True) if rows else pd.DataFrame()


def default_workers() -> int:
    """Worker processes for a local cluster: one per core, as memory allows."""
    by_memory = int(psutil.virtual_memory().available // WORKER_MEMORY)
    return max(1, min(os.cpu_count() or 1, by_memory))


def batch(sources, out, *, scheduler: str | None = None, workers: int | None = None,
          models=registry.PAIRS["robust"], models_dir=None, use_annotations: bool = False,
          fs: float | None = None, progress: Progress | None = None) -> pd.DataFrame:
    """Score every recording of ``sources`` on a Dask cluster; write beats and summaries to ``out``.

    Parameters
    ----------
    sources : str, Path or sequence of them
        Files, folders or glob patterns of recordings (``find_recordings``).
    out : str or Path
        The output folder (created). Records already finished there are skipped.
    scheduler : str, optional
        The address of a running Dask distributed scheduler (``tcp://host:8786``). Default: a
        local cluster of ``workers`` processes, started and stopped here.
    workers : int, optional
        Worker processes of the local cluster. Default ``default_workers()``.
    models : sequence of str, default the robust pair
        Registered models; each worker loads them once.
    models_dir : str or Path, optional
        Where the models are (default ``trained_models/``); the workers must see it.
    use_annotations : bool, default False
        Take beats from the ``.atr`` when there is one. By default the QRS detector finds
        them, as it must in an unannotated archive, and where annotations exist the summary
        gives its sensitivity and positive predictivity against them.
    fs : float, optional
        Sampling rate of CSV/TXT recordings without a time column.
    progress : callable, optional
        ``progress(done, total, message)`` after each record (records/s and beats/s).

    Returns
    -------
    pandas.DataFrame
        The summary of every record in ``out`` (this run's and earlier ones'), also written
        to ``out/summary.parquet`` and ``out/summary.csv``.

    Raises
    ------
    DataError
        No recordings in ``sources``, an unknown model, an unreachable scheduler.
    """
    names = tuple(models)
    for name in names:
        registry.spec(name)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"Cannot create the output folder {out}: {exc.strerror or exc}.") from None
    lock = FolderLock(out, name="batch.lock", what="Another batch run")
    try:
        lock.acquire()
    except OSError as exc:           # read-only, full, gone: one line, never a traceback
        raise DataError(f"Cannot write to the output folder {out}: {exc.strerror or exc}.") from None
    try:
        return _batch(sources, out, scheduler, workers, names, models_dir, use_annotations, fs, progress)
    finally:
        lock.release()


def _batch(sources, out: Path, scheduler, workers, names, models_dir, use_annotations, fs, progress):
    from distributed import Client, LocalCluster

    found = find_recordings(sources, exclude=out)
    options = run_options(names, models_dir, use_annotations, fs)
    todo, reused, said = plan(found, out, options)
    total = len(todo)
    models_dir = str(Path(models_dir).resolve()) if models_dir else None
    rows = []
    if total:
        cluster = None
        try:
            if scheduler:
                client = Client(scheduler, timeout="10s")
                n_workers = max(1, len(client.scheduler_info()["workers"]))
                threads = None
            else:
                n_workers = workers or default_workers()
                cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
                client = Client(cluster)
                threads = max(1, (os.cpu_count() or 1) // n_workers)
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            raise DataError(f"Could not reach the Dask scheduler {scheduler}: {exc}") from None
        try:
            rows = _run(client, todo, out, names, models_dir, threads, use_annotations, fs, n_workers,
                        progress, options)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    summary = read_summary(out, records=reused + [rid for rid, _, _ in todo])
    unwritten = [r for r in rows if r["status"] != "done" and r["record"] not in set(summary.get("record", []))]
    if unwritten:     # failures whose own summary could not be written: reported all the same
        summary = pd.concat([summary, pd.DataFrame(unwritten)], ignore_index=True).sort_values(
            "record", ignore_index=True)
    summary.attrs["skipped"] = len(reused)      # finished in an earlier run: same files, same options
    summary.attrs["said"] = said
    if len(summary):
        try:
            atomic_write(out / "summary.parquet", lambda f: summary.to_parquet(f, index=False))
            atomic_write(out / "summary.csv", lambda f: f.write(summary.to_csv(index=False).encode()))
        except OSError as exc:
            summary.attrs["write_error"] = f"the summary could not be written to {out}: {exc.strerror or exc}"
    return summary


def _run(client, todo, out, names, models_dir, threads, use_annotations, fs, n_workers, progress,
         options) -> list[dict]:
    """Submit the records a few at a time (at most two per worker in flight), so that neither
    the scheduler nor the client ever holds the whole archive; this run's summary rows."""
    from distributed import as_completed

    def submit(rid, path, content):
        return client.submit(score_recording, rid, path, str(out.resolve()), names=names,
                             models_dir=models_dir, threads=threads, use_annotations=use_annotations,
                             fs=fs, options=options, content=content, key=f"ecgdash-{rid}-{time.time_ns()}",
                             pure=False)

    pending = iter(todo)
    window = as_completed()
    for item in itertools.islice(pending, 2 * n_workers):   # fewer records than that: all
        window.add(submit(*item))
    done, beats, failed, start, rows = 0, 0, 0, time.perf_counter(), []
    for future in window:
        row = future.result()
        future.release()
        rows.append({k: v for k, v in row.items() if k not in ("options", "content", "path_resolved")})
        done += 1
        beats += int(row.get("beats") or 0)
        failed += row["status"] != "done"
        nxt = next(pending, None)
        if nxt is not None:
            window.add(submit(*nxt))
        if progress:
            elapsed = max(time.perf_counter() - start, 1e-9)
            progress(done, len(todo), f"{done / elapsed:.2f} records/s, {beats / elapsed:,.0f} beats/s"
                     + (f", {failed} failed" if failed else ""))
    return rows
