"""A template review as files: a CSV of every beat, a WFDB annotation file, and back.

The CSV has a row per beat: its time and sample, the reference label when the file had one,
the person's label and which click gave it (its number, kind and question), and each model's
call before and after the review. The annotation file (``wfdb.wrann``, extension ``review``
so it never hides a record's own ``.atr``) holds the beats a person labelled, with the
standard AAMI beat symbols (N, S, V, F, Q) and the click in each annotation's note. Either
file read back (``read_review``) gives the same labels on the same beats, so a review can go
on another day.

    data = review_csv(review, beats.sample, fs, probas=result.probas, reviewed=calls)
    files = review_annotations(review, beats.sample, fs, record="208")   # {"208.review": bytes}
    review = read_review(data, "208_review.csv", beats.sample, fs)
"""
from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ecgdash.config import AAMI_MAP, CLASSES
from ecgdash.errors import DataError
from ecgdash.review.session import KINDS, NOT_SURE, Answer, Review

#: The annotation file's extension.
EXTENSION = "review"
#: How far (s) a beat of a file may lie from a beat of the recording to be the same beat.
MATCH_S = 0.05
_NOTE = re.compile(r"review click (\d+) (\w+) (.*)")
_COLUMNS = ("sample", "label", "click", "kind", "question")


def _click_of(review: Review) -> tuple[np.ndarray, np.ndarray]:
    """Per beat, the index of the answer that last named it (-1 none) and of the one that gave its label."""
    last = np.full(review.n_beats, -1)
    gave = np.full(review.n_beats, -1)
    for i, a in enumerate(review.answers):
        last[list(a.beats)] = i
        if a.label >= 0:
            gave[list(a.beats)] = i
    return last, gave


def review_table(review: Review, sample, fs: float, *, probas: dict | None = None,
                 reviewed: dict | None = None, reference=None) -> pd.DataFrame:
    """One row per beat: beat, time_s, sample, [reference], label, click, kind, question, and
    per model its own call and its call after the review (``<name>``, ``<name>_reviewed``).

    A beat's label is the person's (a class letter), "not sure" where the last answer naming it
    was that and none gave it a class, empty where nobody looked; ``click`` numbers the answers
    from 1.
    """
    sample = np.asarray(sample)
    last, gave = _click_of(review)
    which = np.where(gave >= 0, gave, last)
    table = pd.DataFrame({"beat": np.arange(review.n_beats), "time_s": np.round(sample / fs, 3), "sample": sample})
    if reference is not None:
        ref = np.asarray(reference)
        table["reference"] = np.where(ref >= 0, np.asarray(CLASSES)[np.clip(ref, 0, 4)], "")
    labels = review.labels
    table["label"] = np.where(labels >= 0, np.asarray(CLASSES)[np.clip(labels, 0, 4)],
                              np.where(last >= 0, NOT_SURE, ""))
    answers = review.answers
    table["click"] = pd.array([int(i) + 1 if i >= 0 else None for i in which], dtype="Int64")
    table["kind"] = [answers[i].kind if i >= 0 else "" for i in which]
    table["question"] = [answers[i].key if i >= 0 else "" for i in which]
    for name, p in (probas or {}).items():
        table[name] = np.asarray(CLASSES)[p.argmax(axis=1)]
        if reviewed and name in reviewed:
            table[f"{name}_reviewed"] = np.asarray(CLASSES)[reviewed[name].argmax(axis=1)]
    return table


def review_csv(review: Review, sample, fs: float, **options) -> bytes:
    """``review_table`` as CSV bytes (UTF-8)."""
    return review_table(review, sample, fs, **options).to_csv(index=False).encode()


def review_annotations(review: Review, sample, fs: float, *, record: str) -> dict[str, bytes]:
    """The labelled beats as a WFDB annotation file: ``{"<record>.review": bytes}``.

    Each labelled beat is written at its sample with the AAMI class's symbol (N, S, V, F, Q)
    and the note ``review click <k> <kind> <question>``.
    """
    import wfdb

    sample = np.asarray(sample)
    _, gave = _click_of(review)
    labels = review.labels
    done = np.flatnonzero(labels >= 0)
    if len(done) == 0:
        raise DataError("Nobody has labelled a beat yet: there is nothing to write.")
    order = done[np.argsort(sample[done], kind="stable")]
    notes = [f"review click {gave[i] + 1} {review.answers[gave[i]].kind} {review.answers[gave[i]].key}" for i in order]
    name = annotation_name(record)
    with tempfile.TemporaryDirectory() as folder:
        wfdb.wrann(name, EXTENSION, sample[order].astype(np.int64), symbol=[CLASSES[labels[i]] for i in order],
                   aux_note=notes, fs=float(fs), write_dir=folder)
        path = Path(folder) / f"{name}.{EXTENSION}"
        return {path.name: path.read_bytes()}


def annotation_name(record: str) -> str:
    """The record name WFDB accepts for ``record`` (letters, digits, _ and -).

    >>> annotation_name("my record.csv")
    'my_record_csv'
    """
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(record)) or "record"


def _match(file_samples: np.ndarray, sample: np.ndarray, fs: float) -> np.ndarray:
    """For each sample of a file, the index of the recording's beat at most ``MATCH_S`` away (-1 none)."""
    sample = np.asarray(sample, dtype=np.float64)
    if len(sample) == 0:
        return np.full(len(file_samples), -1)
    order = np.argsort(sample)
    s = sample[order]
    pos = np.clip(np.searchsorted(s, file_samples), 1, max(len(s) - 1, 1))
    left, right = s[pos - 1], s[np.minimum(pos, len(s) - 1)]
    pick = np.where(np.abs(file_samples - left) <= np.abs(file_samples - right), pos - 1, np.minimum(pos, len(s) - 1))
    near = np.abs(s[pick] - file_samples) <= MATCH_S * fs
    return np.where(near, order[pick], -1)


def _from_rows(rows: pd.DataFrame, n_beats: int) -> Review:
    """A review from matched rows (beat, label, click, kind, question), answers in click order."""
    answers = []
    for (click, kind, key, label), group in rows.groupby(["click", "kind", "question", "label"], sort=True):
        kind = kind if kind in KINDS else "beats"
        answers.append((int(click), Answer(tuple(sorted(group["beat"].astype(int).tolist())),
                                           -1 if label == NOT_SURE else CLASSES.index(label), str(key) or "beats", kind)))
    answers.sort(key=lambda t: t[0])
    return Review(n_beats, tuple(a for _, a in answers))


def read_review(data: bytes, name: str, sample, fs: float) -> tuple[Review, str]:
    """A review saved by ``review_csv`` or ``review_annotations`` (or any WFDB annotation file of
    beat symbols), for the beats at ``sample`` of the same recording.

    Recognised by content, not by name. Beats are matched by position (within ``MATCH_S``).

    Returns
    -------
    (Review, str)
        The review, and a sentence saying how many of the file's labels found their beat.

    Raises
    ------
    DataError
        A file that is neither, or whose labels match none of these beats.
    """
    sample = np.asarray(sample)
    text = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if text is not None and text.lstrip().split("\n", 1)[0].count(",") >= 3:
        rows = _csv_rows(text, name)
    else:
        rows = _annotation_rows(data, name, fs)
    rows["beat"] = _match(rows["sample"].to_numpy(dtype=np.float64), sample, fs)
    found = rows[rows["beat"] >= 0]
    if found.empty:
        raise DataError(f"{name}: none of its {len(rows):,} labelled beats lies on a beat of this "
                        "recording: it was saved for another recording (or another lead or detector).")
    review = _from_rows(found, len(sample))
    missed = len(rows) - len(found)
    sentence = (f"{name}: {len(found):,} labelled beats found on this recording, {review.clicks} click"
                f"{'s' if review.clicks != 1 else ''}" + (f"; {missed:,} lie on no beat of it and were left out."
                                                           if missed else "."))
    return review, sentence


def _csv_rows(text: str, name: str) -> pd.DataFrame:
    try:
        table = pd.read_csv(io.StringIO(text), dtype={"label": str, "kind": str, "question": str},
                            keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{name}: not a review CSV ({exc}).") from None
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{name}: not a review saved by ecgdash (no column {', '.join(missing)}).")
    table = table[table["label"].isin(list(CLASSES) + [NOT_SURE])]
    sample = pd.to_numeric(table["sample"], errors="coerce")
    click = pd.to_numeric(table["click"], errors="coerce")
    good = sample.notna() & click.notna()
    return pd.DataFrame({"sample": sample[good].to_numpy(), "label": table["label"][good].to_numpy(),
                         "click": click[good].astype(int).to_numpy(), "kind": table["kind"][good].to_numpy(),
                         "question": table["question"][good].to_numpy()})


def _annotation_rows(data: bytes, name: str, fs: float) -> pd.DataFrame:
    import wfdb

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"saved.{EXTENSION}"
        path.write_bytes(data)
        try:
            ann = wfdb.rdann(str(Path(folder) / "saved"), EXTENSION)
        except Exception as exc:   # wfdb raises many types on a file that is not an annotation file
            raise DataError(f"{name}: neither a review CSV nor a WFDB annotation file "
                            f"({type(exc).__name__}).") from None
    samples = np.asarray(ann.sample, dtype=np.float64)
    if ann.fs and float(ann.fs) != float(fs):
        samples = samples * float(fs) / float(ann.fs)
    rows = []
    for s, symbol, note in zip(samples, ann.symbol, ann.aux_note or [""] * len(samples)):
        if symbol not in AAMI_MAP:
            continue
        m = _NOTE.fullmatch((note or "").strip("\x00 "))
        click, kind, key = (int(m.group(1)), m.group(2), m.group(3)) if m else (0, "beats", f"file {symbol}")
        rows.append({"sample": s, "label": CLASSES[AAMI_MAP[symbol]], "click": click, "kind": kind, "question": key})
    if not rows:
        raise DataError(f"{name}: a WFDB annotation file with no beat label in it.")
    return pd.DataFrame(rows)
