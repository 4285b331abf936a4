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

from ecgdash.evaluation.seen import RHYTHM_JUDGED, RHYTHM_SHARE
from ecgdash.io.recording import MLII_NAMES, lead_key
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
STRIP_S = 60.0              # a recording this long or shorter is a strip (resting 12-lead: 10 s)
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


def card_values(cards: dict, path: tuple) -> list[float]:
    out = []
    for card in (cards or {}).values():
        node = card
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, (int, float)):
            out.append(float(node))
    return out


def second_lead_span(cards) -> tuple[str, str]:
    """The models' DS2 macro-F1 on MLII and on DS2's second lead, from their cards' robustness
    tables, as spans ("" where no card holds it).

    >>> second_lead_span({"m": {"robustness": {"DS2 360 Hz": {"macro_f1": 0.48},
    ...                                        "DS2 lead 1": {"macro_f1": 0.34}}}})
    ('0.48', '0.34')
    """
    return (span_words(card_values(cards, ("robustness", "DS2 360 Hz", "macro_f1"))),
            span_words(card_values(cards, ("robustness", "DS2 lead 1", "macro_f1"))))


def lead_words(lead: str) -> str:
    """"Lead II" for "II", and "Lead I" (not "Lead Lead I") for "Lead I"."""
    lead = str(lead).strip()
    return lead[0].upper() + lead[1:] if lead.lower().startswith("lead") else f"Lead {lead}"


def span_words(values: list[float], digits: int = 2) -> str:
    """The range of ``values`` in words: "0.93-0.94", or "-0.003 to 0.006" when a value is
    negative (a dash would read as a minus).

    >>> span_words([0.9408, 0.9268]), span_words([-0.0032, 0.0064], 3), span_words([0.5, 0.501])
    ('0.93-0.94', '-0.003 to 0.006', '0.50')
    """
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if round(lo, digits) == round(hi, digits):
        return f"{lo:.{digits}f}"
    return f"{lo:.{digits}f}{' to ' if lo < 0 else '-'}{hi:.{digits}f}"


def assess_trust(*, lead: str, fs: float, duration_s: float, levels: np.ndarray,
                 probas: dict[str, np.ndarray], upright: float, kind: str = "csv",
                 cards: dict[str, dict] | None = None, seen: dict[str, float | None] | None = None,
                 rhythm: dict | None = None) -> Trust:
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
        How the recording was read ("wfdb", "edf", "apple", "csv", "cart").
    cards : dict, optional
        Model name -> model card, to quote measured accuracies.
    seen : dict, optional
        Model name -> share of these beats it trained on (``seen.seen_share``; None: unknown).
    rhythm : dict, optional
        Model name -> ``datasets.rhythm.RhythmMatch``: the recording's rhythm against the
        recordings it trained on (``seen.recording_seen``).

    Returns
    -------
    Trust
    """
    levels = np.asarray(levels, dtype=object)
    share = {lv: float(np.mean(levels == lv)) if len(levels) else 0.0 for lv in ("good", "noisy", "unreadable")}
    ds2 = bool(cards) and all(c.get("evaluation", {}).get("test_set") == "DS2" for c in cards.values())
    found = [_lead_fact(lead, kind, cards), _rate_fact(fs, cards), _length_fact(duration_s, len(levels)),
             _strip_fact(duration_s, len(levels), kind),
             _quality_fact(share), _polarity_fact(upright, cards), _models_facts(probas, levels != "unreadable"),
             _seen_facts(seen), _rhythm_fact(rhythm)]
    measured_rows, measured = _measured_facts(cards, ds2, mitbih_like=kind == "wfdb" and abs(fs - 360) < 1)
    found.append((measured_rows, [], []))
    facts = [row for rows, _, _ in found for row in rows]
    hints = [h for _, hs, _ in found for h in hs]
    reduced = [r for _, _, rs in found for r in rs]
    level, sentence = _verdict(share, hints, reduced, seen, probas, measured, rhythm)
    noisy = share["noisy"] + share["unreadable"]
    if level in ("seen", "hints") and noisy > NOISY_REDUCED:     # the worst fact is not all there is
        sentence += (f" Mind the noise too: {noisy:.0%} of the beats lie in noisy stretches, where "
                     "noise can be called V.")
    if kind == "cart" and duration_s <= STRIP_S:
        sentence += (f" A {duration_s:.0f}-s resting ECG holds {len(levels)} beats and no reference labels: the "
                     "classes are the models' calls on these seconds, not a count over a day, and not a diagnosis.")
    if level in ("expected", "reduced") and cards and not ds2:
        sentence += " These models learned from MIT-BIH's own people: for anyone else, prefer the robust pair."
    return Trust(level=level, sentence=sentence,
                 facts=pd.DataFrame(facts, columns=["what", "value", "what it means"]))


# One helper per fact: each returns (fact rows, hints, reasons to expect less).

def _lead_fact(lead: str, kind: str, cards) -> tuple[list, list, list]:
    lk = lead_kind(lead)
    same, other = second_lead_span(cards)
    note = {"standard": "the lead the models learned: MLII is a lead II",
            "limb": "another limb lead than the models' MLII: beat shapes differ",
            "chest": "a chest lead: beat shapes differ a lot from MLII",
            "unnamed": "not named in the file: if it is not lead II, the classes are less reliable"}[lk]
    if lk in ("limb", "chest") and other and same:
        note += f" (on DS2's second lead the robust pair's macro-F1 fell from {same} to {other})"
    device = "Lead I from a watch" if kind == "apple" else lead_words(lead)
    hints = [f"{device}, not MLII"] if lk in ("limb", "chest") else []
    return [("lead", str(lead), note)], hints, ["an unnamed lead"] if lk == "unnamed" else []


def _rate_fact(fs: float, cards) -> tuple[list, list, list]:
    slow = card_values(cards, ("robustness", "DS2 at 128 Hz", "macro_f1_loss"))
    note = "as MIT-BIH" if abs(fs - 360) < 1 else "beats are resampled to MIT-BIH's 360 Hz grid"
    if fs < 250 and slow:
        note += f"; measured on DS2 at 128 Hz, macro-F1 lost {span_words(slow, 3)}"
    elif fs < 250:
        note += "; below 250 Hz the QRS shape loses detail"
    return [("sampling rate", f"{fs:g} Hz", note)], [], [f"a {fs:g} Hz recording"] if fs < 250 and not slow else []


def _length_fact(duration_s: float, n: int) -> tuple[list, list, list]:
    row = ("length", f"{duration_s:.0f} s, {n} beats",
           "enough for the ±25-beat rhythm context" if n >= SHORT_BEATS else
           "short: each beat is compared with fewer neighbours, so S calls are less sure")
    return [row], [], ["a short strip"] if n < SHORT_BEATS else []


def _strip_fact(duration_s: float, n: int, kind: str) -> tuple[list, list, list]:
    """What a strip of a minute or less (a resting 12-lead, a watch ECG) can and cannot show."""
    if duration_s > STRIP_S:
        return [], [], []
    what = ("a resting ECG from a cart" if kind == "cart" else "a watch ECG" if kind == "apple" else "a strip")
    return [(f"what {what} can show", f"{duration_s:.0f} s, {n} beats",
             "each beat's shape, and the rhythm of these seconds; not how often early beats come over a "
             "day, nor a rhythm that comes and goes (a Holter records that). No reference labels come with "
             "it: the counts are the models' calls")], [], []


def _quality_fact(share: dict) -> tuple[list, list, list]:
    row = ("signal quality", f"good {share['good']:.0%}, noisy {share['noisy']:.0%}, "
           f"unreadable {share['unreadable']:.0%} of beats",
           "agreement of the best two of three QRS detectors per 10 s; unreadable beats get no class")
    bad = share["noisy"] + share["unreadable"]
    return [row], [], [f"{bad:.0%} of beats in noisy stretches"] if bad > NOISY_REDUCED else []


def _rhythm_fact(rhythm: dict | None) -> tuple[list, list, list]:
    """Which training recording the rhythm matches, if any (said once for all the models)."""
    if not rhythm:
        return [], [], []
    found = {n: m for n, m in rhythm.items() if m.share >= RHYTHM_SHARE}
    if found:
        name, m = max(found.items(), key=lambda kv: kv[1].share)
        record = m.record
        who = " and ".join(registry.title(n) for n in found)
        return [("a training recording?", f"{record}: {m.share:.0%} of the beats",
                 f"its rhythm lines up with {record}, which {who} trained on (matched by the RR "
                 "intervals, whatever the start, rate or file)")], [], []
    judged = max(m.judged for m in rhythm.values())
    if judged < RHYTHM_JUDGED:
        return [("a training recording?", "cannot tell",
                 "the rhythm is too steady to tell it from the training recordings' (the rows did "
                 "not match either)")], [], []
    return [("a training recording?", "none found",
             "its rhythm lines up with none of the recordings the models trained on")], [], []


def _polarity_fact(upright: float, cards=None) -> tuple[list, list, list]:
    """The QRS's direction. A QRS that points down in most beats is normal in many leads, and
    flipping the lead is not advised from that alone: measured on records that point down
    (``studies/polarity``, the cards' ``polarity``), flipping lowered the models on most."""
    if not np.isfinite(upright):
        return [], [], []
    down = upright < UPRIGHT_LOW
    if not down:
        return [("QRS direction", f"upright in {upright:.0%} of beats", "as usual in lead II")], [], []
    note = ("the QRS points down in most beats: normal in some leads, or electrodes swapped. Flip the "
            "lead only if you know they were swapped")
    measured = [(registry.title(n), (c.get("polarity") or {}).get("svdb-dev")) for n, c in (cards or {}).items()]
    measured = [(t, m) for t, m in measured if m]
    if measured:
        note += ("; on svdb records that point down, flipping raised the mean F1 of N, S, V on "
                 + ", ".join(f"{m['flip_raised']} of {m['records_down']} for the {t} (mean change "
                             f"{m['flip_change']:+.2f})" for t, m in measured))
    return [("QRS direction", f"upright in {upright:.0%} of beats", note)], [], ["the QRS points down in most beats"]


def _models_facts(probas: dict, readable: np.ndarray) -> tuple[list, list, list]:
    """How often the models disagree, and how sure each one is, on the readable beats."""
    rows, hints, reduced = [], [], []
    names = list(probas)
    if len(names) >= 2 and readable.any():
        a, b = (probas[n].argmax(axis=1)[readable] for n in names[:2])
        disagree = float(np.mean(a != b))
        rows.append(("models disagree", f"on {disagree:.1%} of readable beats",
                     "two models that learned differently rarely make the same mistake"))
        if disagree > DISAGREE_HINTS:
            hints.append(f"The two models disagree on {disagree:.0%} of beats")
        elif disagree > DISAGREE_REDUCED:
            reduced.append(f"the models disagree on {disagree:.0%} of beats")
    for name, p in probas.items():
        top = p.max(axis=1)[readable]
        median = float(np.median(top)) if len(top) else float("nan")
        unsure = float(np.mean(top < LOW_CONFIDENCE)) if len(top) else float("nan")
        rows.append((f"confidence of {registry.title(name)}", f"median {median:.2f}",
                     f"{unsure:.1%} of readable beats below {LOW_CONFIDENCE}"))
    return rows, hints, reduced


def _seen_facts(seen) -> tuple[list, list, list]:
    rows = [(f"beats {registry.title(name)} trained on", f"{part:.0%} of these beats",
             "matched row by row with the rows it trained on")
            for name, part in (seen or {}).items() if part is not None]
    return rows, [], []


def _measured_facts(cards, ds2: bool, *, mitbih_like: bool) -> tuple[list, str]:
    """What the cards measured on new patients (DS2) and on another database, and the phrase the
    sentence quotes: DS2's figure for an MIT-BIH-like recording, the other database's otherwise."""
    rows, measured = [], ""
    other = span_words(card_values(cards, ("databases", OTHER_DATABASE, "accuracy")))
    if ds2:
        acc = span_words(card_values(cards, ("evaluation", "accuracy")))
        v = span_words(card_values(cards, ("evaluation", "per_class", "V", "f1")))
        s = span_words(card_values(cards, ("evaluation", "per_class", "S", "f1")))
        rows.append(("measured on new patients", f"accuracy {acc}, V-F1 {v}, S-F1 {s}",
                     "these models on the 22 people of DS2 (MIT-BIH), whom they never saw"))
        if other:
            ov = span_words(card_values(cards, ("databases", OTHER_DATABASE, "per_class", "V", "f1")))
            os_ = span_words(card_values(cards, ("databases", OTHER_DATABASE, "per_class", "S", "f1")))
            protocols = {(c.get("databases") or {}).get(OTHER_DATABASE, {}).get("protocol")
                         for c in cards.values()} - {None}
            how = f" ({'; '.join(sorted(protocols))})" if protocols else ""
            rows.append(("measured on another database", f"accuracy {other}, V-F1 {ov}, S-F1 {os_}",
                         f"these models, unadapted, on the {OTHER_DATABASE_WORDS}{how}"))
        if mitbih_like:
            measured = f"the accuracy measured on new MIT-BIH patients (DS2: {acc})"
        elif other:
            measured = f"the accuracy measured on another database ({other}, svdb)"
        else:
            measured = "less than on MIT-BIH (no other database measured)"
    elif cards:
        rows.append(("measured on new patients", "not measured",
                     "these models learned from beats of all 48 MIT-BIH people: on anyone else "
                     "expect much less than their test scores (use the robust pair)"))
    return rows, measured


def _verdict(share: dict, hints: list, reduced: list, seen, probas: dict, measured: str,
             rhythm: dict | None = None) -> tuple[str, str]:
    """The level and the sentence: the worst fact names them."""
    seen_most = {n: part for n, part in (seen or {}).items() if part is not None and part >= SEEN_MOST}
    known = {n: m for n, m in (rhythm or {}).items() if m.share >= SEEN_MOST}
    if share["unreadable"] >= UNREADABLE_MOST:
        return "unreadable", (f"Mostly too noisy to read ({share['unreadable']:.0%} of beats unreadable): "
                              "record again, still, with good electrode contact.")
    if hints:
        return "hints", f"{hints[0]}: take V and S calls as hints."
    if seen_most:
        most = max(seen_most.values())
        who = (" and ".join(registry.title(n) for n in seen_most) if len(seen_most) < len(probas)
               else "The models")
        amount = "every one" if most >= 0.995 else f"{most:.0%}"
        return "seen", (f"{who[0].upper() + who[1:]} trained on {amount} of these beats: their calls "
                        "here show what they learned, not how they do on a new person.")
    if known:
        record = max(known.values(), key=lambda m: m.share).record
        who = (" and ".join(registry.title(n) for n in known) if len(known) < len(probas) else "the models")
        return "seen", (f"This is {record}, a recording {who} trained on (its rhythm lines up with it): "
                        "their calls here show what they learned, not how they do on a new person.")
    if reduced:
        first = reduced[0][0].upper() + reduced[0][1:]
        also = f" and {reduced[1]}" if len(reduced) > 1 else ""
        return "reduced", f"{first}{also}: expect less than {measured or 'the accuracy measured on new patients'}."
    return "expected", f"Clean signal, standard lead: expect about {measured or 'the accuracy measured on new patients'}."
