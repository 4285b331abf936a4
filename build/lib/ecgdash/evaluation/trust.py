"""How far to trust the classes of one analysed recording: one plain sentence and the facts behind it.

The facts are what is known to move the models' accuracy: the lead against the models' MLII,
the sampling rate, the length, the signal quality (``ecgdash.ecg.quality``), the direction of the
QRS, how often the two models disagree and how sure they are. The sentence names the worst of
them. Where a model card holds a measurement (accuracy on the 22 new people of DS2, the loss at
128 Hz or on another lead), the facts quote it; nothing here is tuned to a record.

Levels, from best to worst: ``expected`` (clean, standard lead: about the accuracy measured on
new patients), ``seen`` (the models trained on most of these very beats: their calls are no test
of them), ``reduced`` (expect less), ``hints`` (take V and S calls as hints), ``unreadable``.

Which measurement is quoted follows the recording: an MIT-BIH-like recording (a WFDB record at
360 Hz) is compared with DS2 (22 new people of MIT-BIH); any other with the measurement on
another database stored in the cards (``databases``, e.g. the svdb development records: other
people, other Holter recorders, 128 Hz), because DS2's figures do not hold there.
The cut-offs for disagreement (10 % / 25 % of readable beats) and for noisy beats (10 %) are
plain conventions stated here, not fitted.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecgdash.io.recordings import MLII_NAMES, lead_key
from ecgdash.models import registry

LEVELS = ("expected", "seen", "reduced", "hints", "unreadable")
#: A model that trained on at least this share of a recording's beats makes its calls no test.
SEEN_MOST = 0.5
#: The database quoted for recordings from outside MIT-BIH (``ecgdash evaluate --database``).
OTHER_DATABASE = "svdb-dev"
OTHER_DATABASE_WORDS = "svdb development records: other people, other Holter recorders, 128 Hz"
DISAGREE_REDUCED, DISAGREE_HINTS = 0.10, 0.25
NOISY_REDUCED = 0.10
UNREADABLE_MOST = 0.50
UPRIGHT_LOW = 0.30
SHORT_BEATS = 51            # 2 x the 25-beat RR window + 1
LOW_CONFIDENCE = 0.6
_LIMB = {"I", "III", "AVF", "AVL", "AVR", "LEADI", "LEADIII", "ML1", "MLI", "MLIII"}


@dataclass
class Trust:
    """How far to trust one analysis: ``level`` (one of ``LEVELS``), a plain ``sentence`` and
    the ``facts`` behind it (a table: what, value, what it means)."""

    level: str
    sentence: str
    facts: pd.DataFrame


def lead_kind(lead: str) -> str:
    """"standard" (MLII / lead II), "limb" (another limb lead), "chest" (V1-V6, V), "unnamed"."""
    key = lead_key(lead)
    if key in MLII_NAMES:
        return "standard"
    if key in _LIMB:
        return "limb"
    if key.startswith(("V", "MV")) and key.lstrip("MV").isdigit() or key in ("V", "MV"):
        return "chest"
    return "unnamed"


def _card_value(cards: dict, path: tuple) -> list[float]:
    out = []
    for card in (cards or {}).values():
        node = card
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, (int, float)):
            out.append(float(node))
    return out


def lead_words(lead: str) -> str:
    """"Lead II" for "II", and "Lead I" (not "Lead Lead I") for "Lead I"."""
    lead = str(lead).strip()
    return lead[0].upper() + lead[1:] if lead.lower().startswith("lead") else f"Lead {lead}"


def _span(values: list[float], digits: int = 2) -> str:
    if not values:
        return ""
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}f}" if round(lo, digits) == round(hi, digits) else f"{lo:.{digits}f}-{hi:.{digits}f}"


def assess_trust(*, lead: str, fs: float, duration_s: float, levels: np.ndarray,
                 probas: dict[str, np.ndarray], upright: float, kind: str = "csv",
                 cards: dict[str, dict] | None = None, seen: dict[str, float | None] | None = None) -> Trust:
    """Judge how far the classes of one analysed recording can be trusted.

    Parameters
    ----------
    lead : str
        The lead the beats were cut from.
    fs : float
        Sampling rate (Hz).
    duration_s : float
        Length of the recording (s).
    levels : ndarray of str
        Quality level of each beat ("good", "noisy", "unreadable"; ``ecgdash.ecg.quality``).
    probas : dict
        Model name -> (n_beats, 5) probabilities.
    upright : float
        Share of beats whose QRS points up (``quality.upright_share``).
    kind : str, default "csv"
        How the recording was read ("wfdb", "edf", "apple", "csv").
    cards : dict, optional
        Model name -> model card, to quote measured accuracies.
    seen : dict, optional
        Model name -> share of these beats it trained on (``seen.seen_share``; None: unknown).

    Returns
    -------
    Trust
    """
    levels = np.asarray(levels, dtype=object)
    n = len(levels)
    readable = levels != "unreadable"
    share = {lv: float(np.mean(levels == lv)) if n else 0.0 for lv in ("good", "noisy", "unreadable")}
    names = list(probas)
    classes = {name: p.argmax(axis=1) for name, p in probas.items()}
    disagree = (float(np.mean(classes[names[0]][readable] != classes[names[1]][readable]))
                if len(names) >= 2 and readable.any() else float("nan"))
    confidence = {name: float(np.median(p.max(axis=1)[readable])) if readable.any() else float("nan")
                  for name, p in probas.items()}
    unsure = {name: float(np.mean(p.max(axis=1)[readable] < LOW_CONFIDENCE)) if readable.any() else float("nan")
              for name, p in probas.items()}
    lk = lead_kind(lead)
    ds2 = all(card.get("evaluation", {}).get("test_set") == "DS2" for card in (cards or {}).values()) and bool(cards)
    facts, hints, reduced = [], [], []

    # lead
    other = _span(_card_value(cards, ("robustness", "DS2 lead 1", "macro_f1")))
    same = _span(_card_value(cards, ("robustness", "DS2 360 Hz", "macro_f1")))
    lead_note = {"standard": "the lead the models learned: MLII is a lead II",
                 "limb": "another limb lead than the models' MLII: beat shapes differ",
                 "chest": "a chest lead: beat shapes differ a lot from MLII",
                 "unnamed": "not named in the file: if it is not lead II, the classes are less reliable"}[lk]
    if lk in ("limb", "chest") and other and same:
        lead_note += f" (on DS2's second lead the robust pair's macro-F1 fell from {same} to {other})"
    facts.append(("lead", str(lead), lead_note))
    device = "Lead I from a watch" if kind == "apple" else lead_words(lead)
    if lk in ("limb", "chest"):
        hints.append(f"{device}, not MLII")
    elif lk == "unnamed":
        reduced.append("an unnamed lead")

    # rate
    slow = _card_value(cards, ("robustness", "DS2 at 128 Hz", "macro_f1_loss"))
    rate_note = "as MIT-BIH" if abs(fs - 360) < 1 else "beats are resampled to MIT-BIH's 360 Hz grid"
    if fs < 250 and slow:
        rate_note += f"; measured on DS2 at 128 Hz, macro-F1 lost {_span(slow, 3)}"
    elif fs < 250:
        rate_note += "; below 250 Hz the QRS shape loses detail"
    facts.append(("sampling rate", f"{fs:g} Hz", rate_note))
    if fs < 250 and not slow:
        reduced.append(f"a {fs:g} Hz recording")

    # length
    facts.append(("length", f"{duration_s:.0f} s, {n} beats",
                  "enough for the ±25-beat rhythm context" if n >= SHORT_BEATS else
                  "short: each beat is compared with fewer neighbours, so S calls are less sure"))
    if n < SHORT_BEATS:
        reduced.append("a short strip")

    # quality
    facts.append(("signal quality", f"good {share['good']:.0%}, noisy {share['noisy']:.0%}, "
                  f"unreadable {share['unreadable']:.0%} of beats",
                  "agreement of the best two of three QRS detectors per 10 s; unreadable beats get no class"))
    if share["noisy"] + share["unreadable"] > NOISY_REDUCED:
        reduced.append(f"{share['noisy'] + share['unreadable']:.0%} of beats in noisy stretches")

    # polarity
    if np.isfinite(upright):
        down = upright < UPRIGHT_LOW
        facts.append(("QRS direction", f"upright in {upright:.0%} of beats",
                      "the QRS points down in most beats: electrodes swapped, or a lead where "
                      "that is normal; the models learned mostly upright MLII beats" if down else
                      "as usual in lead II"))
        if down:
            hints.append("The QRS points down in most beats")

    # the models
    if np.isfinite(disagree):
        facts.append(("models disagree", f"on {disagree:.1%} of readable beats",
                      "two models that learned differently rarely make the same mistake"))
        if disagree > DISAGREE_HINTS:
            hints.append(f"The two models disagree on {disagree:.0%} of beats")
        elif disagree > DISAGREE_REDUCED:
            reduced.append(f"the models disagree on {disagree:.0%} of beats")
    for name in names:
        facts.append((f"confidence of {registry.title(name)}", f"median {confidence[name]:.2f}",
                      f"{unsure[name]:.1%} of readable beats below {LOW_CONFIDENCE}"))
    mitbih_like = kind == "wfdb" and abs(fs - 360) < 1
    other = _span(_card_value(cards, ("databases", OTHER_DATABASE, "accuracy")))
    measured = ""
    if ds2:
        acc = _span(_card_value(cards, ("evaluation", "accuracy")))
        v = _span(_card_value(cards, ("evaluation", "per_class", "V", "f1")))
        s = _span(_card_value(cards, ("evaluation", "per_class", "S", "f1")))
        facts.append(("measured on new patients", f"accuracy {acc}, V-F1 {v}, S-F1 {s}",
                      "these models on the 22 people of DS2 (MIT-BIH), whom they never saw"))
        if other:
            ov = _span(_card_value(cards, ("databases", OTHER_DATABASE, "per_class", "V", "f1")))
            os_ = _span(_card_value(cards, ("databases", OTHER_DATABASE, "per_class", "S", "f1")))
            facts.append(("measured on another database", f"accuracy {other}, V-F1 {ov}, S-F1 {os_}",
                          f"these models, unadapted, on the {OTHER_DATABASE_WORDS}"))
        if mitbih_like:
            measured = f"the accuracy measured on new MIT-BIH patients (DS2: {acc})"
        elif other:
            measured = f"the accuracy measured on another database ({other}, svdb)"
        else:
            measured = "less than on MIT-BIH (no other database measured)"
    elif cards:
        facts.append(("measured on new patients", "not measured",
                      "these models learned from beats of all 48 MIT-BIH people: on anyone else "
                      "expect much less than their test scores (use the robust pair)"))
    known_seen = {name: part for name, part in (seen or {}).items() if part is not None}
    seen_most = {name: part for name, part in known_seen.items() if part >= SEEN_MOST}
    for name, part in known_seen.items():
        facts.append((f"beats {registry.title(name)} trained on", f"{part:.0%} of these beats",
                      "matched row by row with the rows it trained on"))

    if n and share["unreadable"] >= UNREADABLE_MOST:
        level = "unreadable"
        sentence = (f"Mostly too noisy to read ({share['unreadable']:.0%} of beats unreadable): "
                    "record again, still, with good electrode contact.")
    elif hints:
        level = "hints"
        sentence = f"{hints[0]}: take V and S calls as hints."
    elif seen_most:
        level = "seen"
        most = max(seen_most.values())
        who = (" and ".join(registry.title(n) for n in seen_most) if len(seen_most) < len(probas)
               else "The models")
        who = who[0].upper() + who[1:]
        amount = "every one" if most >= 0.995 else f"{most:.0%}"
        sentence = (f"{who} trained on {amount} of these beats: their calls here show what they "
                    "learned, not how they do on a new person.")
    elif reduced:
        level = "reduced"
        sentence = (f"{reduced[0][0].upper() + reduced[0][1:]}"
                    f"{' and ' + reduced[1] if len(reduced) > 1 else ''}: expect less than "
                    f"{measured or 'the accuracy measured on new patients'}.")
    else:
        level = "expected"
        sentence = (f"Clean signal, standard lead: expect about "
                    f"{measured or 'the accuracy measured on new patients'}.")
    if level in ("expected", "reduced") and cards and not ds2:
        sentence += " These models learned from MIT-BIH's own people: for anyone else, prefer the robust pair."
    return Trust(level=level, sentence=sentence,
                 facts=pd.DataFrame(facts, columns=["what", "value", "what it means"]))
