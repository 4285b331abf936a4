"""Which of some beats a model trained on, from the beats themselves, and the words for it.

A score on beats a model trained on flatters it: the Kaggle-split pair trained on 80 % of every
record's beats, so it scores 0.99 on DS2 where a model that never saw those people scores 0.93.
Whether a model saw a beat is decided by the row, never by a file or record name: each card
names the fingerprints of its training rows (``ecgdash.datasets.fingerprints``), and a row counts as
seen when it is bit for bit one of them.

    share = seen_share("cnn", beats.X)            # 0.79 on the rows of Kaggle's mitbih_test.csv
    seen_note("cnn", share)                       # the sentence to show beside its score

A share of 0 means that no row matches a training row, which is all the rows can tell: beats of
the same people cut another way, or written with fewer digits, do not match. A recording (not
a file of rows) is also matched by its rhythm (``recording_seen``, ``datasets.rhythm``): an
excerpt of a training recording at another start, another rate, as a CSV or with the
detector's beats is recognised as that recording.
"""
from __future__ import annotations

import numpy as np

from ecgdash.datasets.fingerprints import seen_mask
from ecgdash.datasets.rhythm import RhythmMatch, match
from ecgdash.errors import DataError
from ecgdash.models import registry, store
from ecgdash.models.loaded import LoadedModel

#: At or above this share a note says "every one of".
ALL = 0.995


def seen_share(name: str, X: np.ndarray, *, card: dict | None = None, folder=None) -> float | None:
    """Share of the rows of ``X`` that model ``name`` trained on.

    Parameters
    ----------
    name : str
        A model in the store (shipped or a user's).
    X : ndarray, shape (n, 187)
        Beat rows as they were read (before any rescaling).
    card : dict, optional
        The model's card (read from the store when not given; a card not yet saved may hold
        its fingerprints itself).
    folder : str or Path, optional
        The model folder.

    Returns
    -------
    float or None
        The share (0 to 1), or None when the model's training rows are not known (no
        fingerprints in its card) or ``X`` is empty.
    """
    try:
        known = store.train_fingerprints(name, card, folder=folder)
    except DataError:
        return None
    if known is None or not len(X):
        return None
    return float(seen_mask(X, known).mean())


def model_seen_share(model, X: np.ndarray) -> float | None:
    """``seen_share`` for a model from the store (``LoadedModel``): its own card and folder, so
    a model loaded from any folder is matched against its own training rows. None for a bare
    Keras model."""
    if not isinstance(model, LoadedModel) or model.card is None:
        return None
    return seen_share(model.name, X, card=model.card, folder=model.folder)


#: A rhythm that lines up with a training recording on less than this share of the beats is taken
#: for chance (DS2's records against DS1's and svdb-dev's prints: at most a few %).
RHYTHM_SHARE = 0.10
#: Below this share of beats whose rhythm could tell (a steady rhythm), a recording that matches
#: nothing is not called new: it cannot be told.
RHYTHM_JUDGED = 0.30


def recording_seen(model, marks, fs: float) -> RhythmMatch | None:
    """Does a recording (its beats at ``marks``, samples at ``fs``) come from a recording that
    ``model`` (a ``LoadedModel``) trained on? Its rhythm against the model's rhythm prints
    (``store.train_rhythm``); None when the model has none (a bare network, a model whose card
    names no prints)."""
    if not isinstance(model, LoadedModel) or model.card is None:
        return None
    prints = store.train_rhythm(model.name, model.card, folder=model.folder)
    return None if prints is None else match(marks, fs, prints)


def seen_note(name: str, share: float | None, *, what: str = "these beats") -> str | None:
    """The sentence beside a score of ``name`` on beats of which it trained on ``share``:
    a warning when it saw some (None otherwise; see ``unseen_note``)."""
    if not share:
        return None
    amount = "every one of" if share >= ALL else ("under 1 % of" if share < 0.01 else f"{share:.0%} of")
    return (f"{registry.title(name)} trained on {amount} {what} (matched row by row): this score "
            "flatters it. On people it never saw it scores lower (Compare, DS2).")


def unseen_note(share: float | None) -> str | None:
    """What can be said when no row matched (share 0): exactly that, nothing more."""
    if share is None or share > 0:
        return None
    return ("No row here is one it trained on (matched row by row; beats of the same people cut "
            "another way would not match).")
