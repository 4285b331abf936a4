"""The beat dataset: fetch the database, cut every record, split, write the files.

``data build`` writes into ``data/``:

- ``beats.npz``: every beat with its label, record and sample position (what training reads);
- ``mitbih_train.csv`` / ``mitbih_test.csv``: the intra-patient split in exactly the Kaggle layout;
- ``mitbih_ds1.csv`` / ``mitbih_ds2.csv``: the inter-patient split (DS1 train, DS2 test), same layout;
- ``build.json``: what was built, from where, when, with the class counts.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Callable

import numpy as np
import wfdb

from ecgdash.beats import Beats
from ecgdash.config import DS1, DS2, KAGGLE_TEST_COUNTS, KAGGLE_TRAIN_COUNTS, N_CLASSES, ROOT, SEED, data_dir
from ecgdash.datasets.splits import Split
from ecgdash.ecg.cutting import beats_at, beats_from_record, is_beat_symbol
from ecgdash.errors import DataError, OfflineError
from ecgdash.io.files import atomic_write
from ecgdash.io.recording import Recording
from ecgdash.io.wfdb_record import read_wfdb

Progress = Callable[[int, int, str], None]  # (done, total, message)

MITDB = "mitdb"
SPLIT_FILES = {
    Split.INTRA: ("mitbih_train.csv", "mitbih_test.csv"),
    Split.INTER: ("mitbih_ds1.csv", "mitbih_ds2.csv"),
}


def list_records(folder) -> list[str]:
    """Record names in a WFDB folder: its ``RECORDS`` file, else every ``.hea`` with an ``.atr``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder of WFDB records.")
    listing = folder / "RECORDS"
    if listing.is_file():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    else:
        names = sorted(p.stem for p in folder.glob("*.hea") if p.with_suffix(".atr").is_file())
    if not names:
        raise DataError(f"{folder} holds no annotated WFDB records (.hea + .dat + .atr).")
    return names


def fetch(dest=None, source=None, progress: Progress | None = None) -> Path:
    """Get the MIT-BIH Arrhythmia Database into ``dest`` (default ``data/mitdb``).

    Without ``source`` it is downloaded from PhysioNet with wfdb, one record at a time (so
    ``progress`` can report); with ``source`` (a local WFDB folder) the files are copied.
    Records already present are kept; a folder this call created is removed again when
    nothing could be fetched.

    Raises
    ------
    OfflineError
        PhysioNet could not be reached (a DataError; nothing is left behind).
    DataError
        ``source`` is not a folder of annotated records, or a download failed midway.
    """
    dest = Path(dest) if dest else data_dir() / MITDB
    created = not dest.exists()
    if source is not None:
        names = list_records(source)
        dest.mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(names):
            for ext in (".hea", ".dat", ".atr"):
                src = Path(source) / f"{name}{ext}"
                if src.is_file() and not (dest / src.name).is_file():
                    shutil.copy2(src, dest / src.name)
            if progress:
                progress(i + 1, len(names), f"copied record {name}")
        (dest / "RECORDS").write_text("\n".join(names) + "\n")
        return dest

    if progress:
        progress(0, 1, "asking PhysioNet for the list of records")
    try:
        names = wfdb.get_record_list(MITDB)
    except Exception as exc:
        raise OfflineError(f"Could not reach PhysioNet (physionet.org) to list the records: no "
                           f"internet connection, or the site is down ({type(exc).__name__}).") from None
    dest.mkdir(parents=True, exist_ok=True)
    try:
        for i, name in enumerate(names):
            if not all((dest / f"{name}{ext}").is_file() for ext in (".hea", ".dat", ".atr")):
                try:
                    wfdb.dl_database(MITDB, str(dest), records=[name], annotators=["atr"])
                except Exception as exc:
                    raise DataError(f"Download of record {name} stopped ({type(exc).__name__}); "
                                    "start it again to resume (records already here are kept).") from None
            if progress:
                progress(i + 1, len(names), f"record {name}")
    finally:
        if created and dest.is_dir() and not any(dest.iterdir()):
            dest.rmdir()
    (dest / "RECORDS").write_text("\n".join(names) + "\n")
    return dest


def build_beats(source, lead=None, progress: Progress | None = None) -> Beats:
    """Every annotated beat of every record in ``source`` (a WFDB folder), in record order."""
    source = Path(source)
    names = list_records(source)
    parts = []
    for i, name in enumerate(names):
        parts.append(beats_from_record(source / name, lead=lead))
        if progress:
            progress(i + 1, len(names), f"record {name}")
    return Beats.concat(parts)


def intra_split(y: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Random beat-level split (train, test indices) with the Kaggle per-class counts.

    When the class totals are exactly MIT-BIH's, the test set gets exactly the Kaggle test counts
    (18118 / 556 / 1448 / 162 / 1608); for other data, 20 % of each class. Fixed ``seed``.
    """
    y = np.asarray(y)
    totals = np.bincount(y, minlength=N_CLASSES)
    kaggle_totals = np.add(KAGGLE_TEST_COUNTS, KAGGLE_TRAIN_COUNTS)
    if np.array_equal(totals, kaggle_totals):
        test_counts = np.array(KAGGLE_TEST_COUNTS)
    else:
        test_counts = np.round(0.2 * totals).astype(int)
    rng = np.random.default_rng(seed)
    test = []
    for c in range(N_CLASSES):
        members = np.flatnonzero(y == c)
        test.append(rng.permutation(members)[:test_counts[c]])
    test = np.sort(np.concatenate(test))
    train = np.setdiff1d(np.arange(len(y)), test)
    return train, test


def inter_split(record: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inter-patient split (de Chazal 2004): indices of DS1 (train) and DS2 (test) beats."""
    record = np.asarray(record)
    return np.flatnonzero(np.isin(record, DS1)), np.flatnonzero(np.isin(record, DS2))


def write_kaggle_csv(path, X: np.ndarray, y: np.ndarray | None = None) -> None:
    """Write beats exactly as the Kaggle files: no header, ``%.18e``, label last as a float."""
    rows = X.astype(np.float64)
    if y is not None:
        rows = np.column_stack([rows, np.asarray(y, dtype=np.float64)])
    atomic_write(Path(path), lambda f: np.savetxt(f, rows, fmt="%.18e", delimiter=","))


def hash_beats(X: np.ndarray, y: np.ndarray | None) -> str:
    """sha256 of the beats and labels (identifies the training data in a model card)."""
    h = hashlib.sha256(np.ascontiguousarray(X, dtype=np.float32).tobytes())
    if y is not None:
        h.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return h.hexdigest()


def build(source=None, out=None, lead=None, seed: int = SEED, csv: bool = True,
          progress: Progress | None = None) -> dict:
    """Cut every beat of ``source`` (default ``data/mitdb``) and write the dataset into ``out``.

    Returns the build summary (also written to ``build.json``).
    """
    t0 = time.perf_counter()
    source = Path(source) if source else data_dir() / MITDB
    out = Path(out) if out else data_dir()
    out.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        raise DataError(f"No WFDB records at {source}: run `python -m ecgdash data fetch` first, "
                        "or give --source DIR with a local copy of the database.")
    beats = build_beats(source, lead=lead, progress=progress)
    t_cut = time.perf_counter() - t0
    train, test = intra_split(beats.y, seed)
    ds1, ds2 = inter_split(beats.record)
    split = np.zeros(len(beats), dtype=np.int8)  # 0 train, 1 test (intra-patient)
    split[test] = 1
    atomic_write(out / "beats.npz", lambda f: np.savez(
        f, X=beats.X, y=beats.y, record=beats.record.astype("U8"), sample=beats.sample,
        rr=beats.rr, context=beats.context, template=beats.template, intra_test=split, fs=np.array([beats.fs or np.nan])))
    files = {}
    if csv:
        for (name, part), idx in zip(
                [(SPLIT_FILES[Split.INTRA][0], "train"), (SPLIT_FILES[Split.INTRA][1], "test"),
                 (SPLIT_FILES[Split.INTER][0], "ds1"), (SPLIT_FILES[Split.INTER][1], "ds2")],
                (train, test, ds1, ds2)):
            if len(idx):
                write_kaggle_csv(out / name, beats.X[idx], beats.y[idx])
                files[part] = name
            if progress:
                progress(len(files), 4, f"wrote {name}")
    counts = lambda idx: np.bincount(beats.y[idx], minlength=N_CLASSES).tolist()  # noqa: E731
    summary = {
        "source": str(source),
        "lead": beats.lead if lead is not None else "channel 0",
        "records": int(len(np.unique(beats.record))),
        "beats": int(len(beats)),
        "seed": seed,
        "counts": {"all": counts(slice(None)), "train": counts(train), "test": counts(test),
                   "ds1": counts(ds1), "ds2": counts(ds2)},
        "files": files,
        "seconds_cut": round(t_cut, 2),
        "seconds_total": round(time.perf_counter() - t0, 2),
        "built": time.strftime("%Y-%m-%d %H:%M:%S"),
        "warnings": beats.warnings,
    }
    (out / "build.json").write_text(json.dumps(summary, indent=1))
    return summary


def fetched() -> bool:
    """Whether ``data/mitdb`` holds records already (a build then needs no fetch)."""
    mitdb = data_dir() / MITDB
    return mitdb.is_dir() and any(mitdb.glob("*.hea"))


def fetch_and_build(folder=None, *, examples=None, fetch_progress: Progress | None = None,
                    build_progress: Progress | None = None) -> dict:
    """Build the beat files, fetching the records first where needed: from the shipped
    ``examples`` folder (no fetch), from a local WFDB ``folder`` (copied into ``data/mitdb``),
    from ``data/mitdb`` when it already holds records, else from PhysioNet. Returns the build
    summary; raises what ``fetch`` and ``build`` raise (``OfflineError`` without internet).
    """
    if examples is not None:
        return build(source=examples, progress=build_progress)
    if folder or not fetched():
        fetch(source=folder or None, progress=fetch_progress)
    return build(progress=build_progress)


def beat_marks(recording: Recording) -> np.ndarray:
    """The positions of ``recording``'s annotated beats (empty without annotations): where
    built beats were cut, so a built beat's ``sample`` is one of them.

    Examples
    --------
    >>> from ecgdash.io.recording import Recording
    >>> rec = Recording(name="r", fs=360.0, signals=np.zeros((1000, 1)), leads=["MLII"],
    ...                 ann_sample=np.array([10, 20, 30]), ann_symbol=np.array(["N", "+", "V"]))
    >>> beat_marks(rec).tolist()
    [10, 30]
    """
    if recording.ann_sample is None or recording.ann_symbol is None:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(recording.ann_sample)[is_beat_symbol(recording.ann_symbol)]


def data_status(out=None) -> dict | None:
    """The build summary of ``out`` (default ``data/``), or None when nothing is built."""
    out = Path(out) if out else data_dir()
    try:
        if (out / "beats.npz").is_file():
            return json.loads((out / "build.json").read_text())
    except (OSError, ValueError):
        return None
    return None


def load_built(out=None) -> tuple[Beats, np.ndarray]:
    """Every built beat with its metadata, and the intra-patient test mask.

    Raises DataError when nothing is built or the file is damaged.
    """
    out = Path(out) if out else data_dir()
    path = out / "beats.npz"
    if not path.is_file():
        raise DataError(f"No built beats in {out}: run `python -m ecgdash data build` first.")
    try:
        with np.load(path) as z:
            fs = float(z["fs"][0])
            beats = Beats(X=z["X"], y=z["y"], record=z["record"], sample=z["sample"], rr=z["rr"],
                          context=z["context"], template=z["template"],
                          fs=None if np.isnan(fs) else fs)
            intra_test = z["intra_test"].astype(bool)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{path} is damaged ({exc}); run `python -m ecgdash data build` again.") from None
    return beats, intra_test


def load_split(split: Split | str = Split.INTRA, part: str = "train", *, out=None) -> Beats:
    """The beats of one side of a split: ``split`` intra or inter, ``part`` "train" or "test"."""
    split = Split.parse(split)
    if part not in ("train", "test"):
        raise ValueError(f"unknown part {part!r}: 'train' or 'test'")
    beats, intra_test = load_built(out)
    if split is Split.INTRA:
        mask = intra_test if part == "test" else ~intra_test
        return beats.subset(mask)
    ds1, ds2 = inter_split(beats.record)
    return beats.subset(ds1 if part == "train" else ds2)


def built_stamp(out=None) -> str | None:
    """What identifies the current build of ``out`` (the beats file's size and modification
    time in ns, changed by every rebuild), or None when nothing is built."""
    path = (Path(out) if out else data_dir()) / "beats.npz"
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def source_record(name: str, out=None) -> Path | None:
    """Where record ``name`` of the current build can be read (path without extension): in the
    folder the build was cut from (``build.json``'s source) or in ``data/mitdb``; None when
    neither holds it. Built beats keep their record and sample, so a page can show a beat in
    its recording.

    Examples
    --------
    >>> source_record("no-such-record") is None
    True
    """
    folders = []
    source = (data_status(out) or {}).get("source")
    if source:
        folders += [Path(source), ROOT / source] if not Path(source).is_absolute() else [Path(source)]
    folders.append(data_dir() / MITDB)
    for folder in folders:
        if (folder / f"{name}.hea").is_file() and (folder / f"{name}.dat").is_file():
            return folder / name
    return None


def built_lead(recording: Recording, out=None) -> int:
    """Index of the lead the current build was cut from, in ``recording`` (``build.json``'s
    lead: a lead name, or "channel 0" for the default). Raises DataError when it has no such lead."""
    lead = (data_status(out) or {}).get("lead")
    return recording.lead_index(None if lead in (None, "channel 0") else lead)


def present_records(source, names) -> list[str]:
    """The records among ``names`` that WFDB folder ``source`` holds (a ``.hea`` each)."""
    return [r for r in names if (Path(source) / f"{r}.hea").is_file()]


def read_records(source, names) -> list[Recording]:
    """The annotated WFDB records ``names`` of folder ``source`` (all leads)."""
    source = Path(source)
    out = []
    for name in names:
        rec = read_wfdb(source / name)
        if rec.ann_sample is None:
            raise DataError(f"Record {name} has no .atr annotations: it cannot be used for training.")
        out.append(rec)
    return out


def annotated_beats(recordings: list[Recording], lead=0) -> Beats:
    """The annotated beats of ``recordings`` as they are, with their context."""
    return Beats.concat([beats_at(r.lead_signal(lead), r.ann_sample, r.ann_symbol)
                         for r in recordings])


def ds2_beats(source, records=None) -> Beats:
    """The DS2 beats of WFDB folder ``source`` with their RR context (the inter-patient test set)."""
    source = Path(source)
    names = present_records(source, records or DS2)
    if not names:
        raise DataError(f"No DS2 records in {source}.")
    return annotated_beats(read_records(source, names))
