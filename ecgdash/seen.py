"""Which beats each model trained on, and the words a page puts beside a score of them.

A score on beats a model trained on flatters it: the Kaggle-split pair trained on 80 % of every
record's beats, so it scores 0.99 on DS2 where a model that never saw those people scores 0.93.
The pages ask here before they show a number:

    share = split_seen_share("cnn", "inter", "test")     # 0.80: trained on most DS2 beats
    seen_note("cnn", share)                              # the sentence, or None when unseen

Who saw what (``registry.MODELS[name].split``): the Kaggle-split models trained on the built
intra-patient *train* part (beats of all 48 records); the DS1-trained models (the inter and
robust pairs) on every beat of the 22 DS1 records.
"""
from __future__ import annotations

import re

import numpy as np

from . import registry
from .config import DS1, DS2

#: The Kaggle split's share of each class in its training part (87,554 of 109,446 beats):
#: what a record's seen share is when the built data cannot say.
KAGGLE_TRAIN_SHARE = 0.8


def seen_mask(name: str, record, *, intra_test=None) -> np.ndarray | None:
    """Per beat: did model ``name`` train on it? None when that cannot be known.

    Parameters
    ----------
    name : str
        A registered model.
    record : array-like of str
        Each beat's MIT-BIH record.
    intra_test : array-like of bool, optional
        Each beat's intra-patient test flag (``dataset.load_built``); the Kaggle-split models
        need it.
    """
    record = np.asarray(record).astype(str)
    if registry.spec(name).split is registry.Split.INTER:
        return np.isin(record, DS1)
    if intra_test is None:
        return None
    return ~np.asarray(intra_test, dtype=bool)


def split_seen_share(name: str, split, part: str, *, out=None) -> float:
    """Share of a built split's beats (``dataset.load_split(split, part)``) that ``name``
    trained on. Raises DataError when nothing is built."""
    from .dataset import inter_split, load_built

    beats, intra_test = load_built(out)
    split = registry.Split.parse(split)
    if split is registry.Split.INTRA:
        keep = intra_test if part == "test" else ~intra_test
    else:
        ds1, ds2 = inter_split(beats.record)
        keep = ds1 if part == "train" else ds2
    mask = seen_mask(name, beats.record[keep], intra_test=intra_test[keep])
    return float(mask.mean()) if len(mask) else 0.0


def record_seen_share(name: str, record_name: str, *, out=None) -> float | None:
    """Share of MIT-BIH record ``record_name``'s beats that ``name`` trained on; None for a
    name that is not an MIT-BIH record (another database, a file of one's own).

    For the Kaggle-split models the built data gives the exact share; without it,
    ``KAGGLE_TRAIN_SHARE``.
    """
    match = re.fullmatch(r"(\d{3})(?:[_\-. ].*)?", str(record_name).strip())
    if not match or match.group(1) not in (*DS1, *DS2):
        return None
    record = match.group(1)
    if registry.spec(name).split is registry.Split.INTER:
        return 1.0 if record in DS1 else 0.0
    from .dataset import load_built
    from .errors import DataError

    try:
        beats, intra_test = load_built(out)
    except DataError:
        return KAGGLE_TRAIN_SHARE
    mine = beats.record.astype(str) == record
    return float((~intra_test[mine]).mean()) if mine.any() else KAGGLE_TRAIN_SHARE


def file_seen_share(name: str, file_name: str) -> float | None:
    """What the Kaggle file names say: ``mitbih_train*`` is the Kaggle-split models' training
    file, ``mitbih_test*`` is not; ``mitbih_ds1*`` is the DS1-trained models'. None otherwise."""
    stem = str(file_name).lower()
    inter = registry.spec(name).split is registry.Split.INTER
    if "mitbih_train" in stem:
        return None if inter else 1.0
    if "mitbih_test" in stem:
        return None if inter else 0.0
    if "mitbih_ds1" in stem:
        return 1.0 if inter else None
    if "mitbih_ds2" in stem:
        return 0.0 if inter else None
    return None


def seen_note(name: str, share: float | None, *, record: str | None = None) -> str | None:
    """The sentence beside a score of ``name`` on beats of which it trained on ``share``
    (None when it trained on none of them, or when that is not known)."""
    if not share:
        return None
    what = f"record {record}'s beats" if record else "these beats"
    amount = "every one of" if share >= 0.995 else f"{share:.0%} of"
    return (f"{registry.title(name)} trained on {amount} {what}: this score flatters it. "
            "On people it never saw it scores lower (Compare, DS2).")
