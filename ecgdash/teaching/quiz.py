"""Guess, then reveal: quiz sets of beats, the code that gives a class the same set, the score,
and one true sentence on why a beat is what it is.

A set is drawn from a kind of beats (``KINDS``), a size and a seed; ``set_code`` writes the
three as a short code ("D10-4821": 10 beats the models disagree on, seed 4821) that a teacher
reads out, and ``parse_code`` reads it back, so every student's screen shows the same beats.

    >>> y = np.array([0, 0, 1, 2, 2, 3, 4, 1])
    >>> calls = {"lstm": np.array([0, 1, 1, 2, 0, 3, 4, 0]), "cnn": np.array([0, 0, 1, 2, 2, 0, 4, 0])}
    >>> sorted(draw_set(y, calls, "D", 10, seed=1).tolist())    # every disagreement, fewer than 10
    [1, 4, 5]
    >>> parse_code(set_code("S", 5, 42))
    ('S', 5, 42)
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ecgdash.config import CLASS_NAMES, CLASSES
from ecgdash.ecg.context import timing_word
from ecgdash.errors import DataError

#: The kinds of set, by their letter in a set code.
KINDS = {"M": "a mix of every class", "D": "beats the models disagree on",
         "H": "beats both models get wrong", **{c: f"{c} beats only ({CLASS_NAMES[c]})" for c in CLASSES}}
_CODE = re.compile(r"^\s*([A-Z])\s*(\d{1,3})\s*-\s*(\d{1,9})\s*$")


def set_code(kind: str, size: int, seed: int) -> str:
    """The short code of a set: kind letter, size, a dash, the seed ("M10-4821")."""
    return f"{kind}{int(size)}-{int(seed)}"


def parse_code(code: str) -> tuple[str, int, int]:
    """``(kind, size, seed)`` of a set code; DataError for anything else."""
    match = _CODE.match(code.upper())
    if not match or match.group(1) not in KINDS or not 1 <= int(match.group(2)) <= 100:
        raise DataError(f"{code!r} is not a set code: a letter ({', '.join(KINDS)}), the number of "
                        "beats (1-100), a dash and a number, e.g. M10-4821.")
    return match.group(1), int(match.group(2)), int(match.group(3))


def draw_set(y, calls: dict[str, np.ndarray], kind: str, size: int, seed: int) -> np.ndarray:
    """The beats (indices) of a set: ``size`` of the beats of ``kind`` (all of them when fewer),
    in an order drawn from ``seed``.

    Parameters
    ----------
    y : int array or None
        The cardiologists' labels (class indices); None when the file has none (then "H" and
        the one-class kinds use the models' calls).
    calls : dict of str to int array
        Each model's called class per beat.
    kind : str
        A key of ``KINDS``. "M" takes the classes in turn, so rare classes are in the set, then
        deals them in an order drawn from ``seed``.
    """
    if kind not in KINDS:
        raise DataError(f"Unknown kind of set {kind!r}; use one of {', '.join(KINDS)}.")
    stacked = np.stack(list(calls.values()))
    n = stacked.shape[1]
    rng = np.random.default_rng(seed)
    if kind == "M":
        groups = [rng.permutation(np.flatnonzero((y if y is not None else stacked[0]) == c))
                  for c in range(len(CLASSES))]
        picked = [g[i] for i in range(n) for g in groups if i < len(g)][:size]   # the classes in turn
        # ...and then shuffled (the code's seed: every student gets the same order), so the
        # class of the next beat is never given away by the one before
        return rng.permutation(np.asarray(picked, dtype=int))
    if kind == "D":
        pool = np.flatnonzero((stacked != stacked[0]).any(axis=0))
    elif kind == "H":
        pool = np.flatnonzero((stacked != y).all(axis=0)) if y is not None else np.array([], int)
    else:
        c = CLASSES.index(kind)
        pool = np.flatnonzero(y == c) if y is not None else np.flatnonzero((stacked == c).any(axis=0))
    return rng.permutation(pool)[:size].astype(int)


def score_table(answers: dict[int, str], y, calls: dict[str, np.ndarray], titles: dict[str, str]) -> pd.DataFrame:
    """Right answers per class (the label's class) of the class and of each model, on the
    beats answered so far: rows per class with beats, and "all"."""
    rows = []
    asked = sorted(answers)
    truth = {i: CLASSES[int(y[i])] for i in asked}
    for c in [*CLASSES, "all"]:
        beats = [i for i in asked if c == "all" or truth[i] == c]
        if not beats:
            continue
        row = {"class": c, "beats": len(beats), "class (students)": sum(answers[i] == truth[i] for i in beats)}
        for name, called in calls.items():
            row[titles[name]] = sum(CLASSES[int(called[i])] == truth[i] for i in beats)
        rows.append(row)
    return pd.DataFrame(rows)


_CLASS_WHY = {
    "N": "a beat conducted from the sinus node and on time: a normal beat, or one with a bundle "
         "branch block (its QRS is then wide, but like the person's other beats)",
    "S": "a supraventricular ectopic beat: it often looks just like a normal beat, and what gives "
         "it away is its timing: it comes early",
    "V": "a ventricular ectopic beat: it starts in the ventricles, so its QRS is wide and shaped "
         "unlike the person's normal beats, usually with no P wave before it",
    "F": "a fusion beat: a normal and a ventricular beat arriving together, so its shape lies "
         "between the two",
    "Q": "a paced or unclassifiable beat (in MIT-BIH mostly paced: a pacemaker spike, then a wide QRS)",
}


def why(label: str, context=None) -> str:
    """One true sentence on what class ``label`` is, and, when the beat's RR context is known
    (``ecg.context.RR_FEATURES``: pre, post, pre/local, ...), how early or late it came.

    Examples
    --------
    >>> why("S", np.array([0.50, 1.10, 0.62, 1.36, 0.60, 2.2]))[:58]
    'S is a supraventricular ectopic beat: it often looks just '
    """
    sentence = f"{label} is {_CLASS_WHY[label]}."
    if context is None:
        if label in ("S", "N"):
            sentence += (" This row carries no timing (a Kaggle row is the beat alone), so the "
                         "models could judge its shape only.")
        return sentence
    pre, post, pre_local = float(context[0]), float(context[1]), float(context[2])
    return sentence + (f" This one came {timing_word(pre_local)}: {pre * 1000:.0f} ms after the beat before, "
                       f"{pre_local:.0%} of this person's usual interval around it; the next "
                       f"came {post * 1000:.0f} ms later.")
