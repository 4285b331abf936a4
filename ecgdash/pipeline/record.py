"""A whole recording: find the beats, cut them like ``data build``, classify each with a pair.

    result = analyze_record("data/examples/mitdb_excerpts/208")    # annotations used when present
    result = analyze_record(uploaded_files, fs=250, lead="II")      # uploads: WFDB files, a zip, a CSV
    beat_table(result)       # one row per beat (ecgdash.report.predictions)
    result.counts            # beats per class for each model
    result.detection         # detector Se / PPV against the .atr (when the detector ran and .atr exists)
    result.model_quality     # per-class sensitivity / PPV of each model against the .atr labels
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from ecgdash.beats import Beats
from ecgdash.config import AAMI_MAP, CLASSES
from ecgdash.ecg.context import TEMPLATE_WINDOW, WINDOW
from ecgdash.ecg.cutting import UNLABELLED, beats_at, is_beat_symbol
from ecgdash.ecg.detect import TOLERANCE_S, UNANNOTATED_S, detect_beats, detection_quality, match_beats
from ecgdash.ecg.plausibility import check_plausible
from ecgdash.ecg.quality import QUALITY_DETECTORS, beat_quality, segment_quality, upright_share
from ecgdash.errors import DataError, NotAnECG
from ecgdash.evaluation.metrics import evaluate
from ecgdash.evaluation.seen import RHYTHM_JUDGED, RHYTHM_SHARE, model_seen_share, recording_seen, seen_share
from ecgdash.evaluation.trust import Trust, assess_trust, lead_words, second_lead_span
from ecgdash.io.recording import MLII_NAMES, Recording, lead_key
from ecgdash.io.uploads import read_recording
from ecgdash.models import registry
from ecgdash.models.adapt import MIN_BEATS, adapt_proba
from ecgdash.models.inference import predict_features
from ecgdash.models.loaded import LoadedModel, card_of, prior_of
from ecgdash.models.store import load_model

#: The lead every model was trained on (channel 0 of MIT-BIH), and names that mean it.
MODEL_LEAD = "MLII"
_GENERIC_LEAD = re.compile(r"(ECG|LEAD|CH|CHANNEL|SIGNAL|COLUMN|COL)?\d*")


def lead_warning(lead: str, *, cards: dict | None = None) -> str | None:
    """A warning when beats come from a lead other than the models' MLII (None when it is MLII),
    quoting what the models' ``cards`` measured on DS2's second lead, when they hold it.

    >>> lead_warning("V1", cards={"m": {"robustness": {"DS2 360 Hz": {"macro_f1": 0.48},
    ...                                                "DS2 lead 1": {"macro_f1": 0.34}}}})[-34:]
    'macro-F1 falls from 0.48 to 0.34).'
    >>> lead_warning("V1").endswith("less reliable here.")
    True
    """
    key = lead_key(lead)
    if key in MLII_NAMES:
        return None
    if _GENERIC_LEAD.fullmatch(key):
        return (f"The lead '{lead}' has no standard name: the models were trained on {MODEL_LEAD} "
                "(a limb lead like lead II). If this is another lead, their classes are less "
                "reliable.")
    same, other = second_lead_span(cards or {})
    measured = (f" (on DS2's second lead the models' macro-F1 falls from {same} to {other})"
                if same and other else "")
    return (f"{lead_words(lead)} is not {MODEL_LEAD}: the models were trained on {MODEL_LEAD}-like beats, "
            f"so their classes are less reliable here{measured}.")


@dataclass
class RecordAnalysis:
    """Everything the recordings page, the CLI and the tests need about one analysed recording."""

    recording: Recording
    lead: str
    beats: Beats                           # the classified beats (sample = position in the record)
    probas: dict[str, np.ndarray]          # model name -> (n, 5)
    source: str                            # "annotations" or "detector"
    detection: dict | None = None         # detector quality against the .atr, if both exist
    warnings: list[str] = field(default_factory=list)
    segments: pd.DataFrame | None = None   # signal quality per 10-s segment (ecgdash.ecg.quality)
    quality: np.ndarray | None = None      # per beat: "good", "noisy" or "unreadable"
    trust: Trust | None = None             # how far to trust the classes (ecgdash.evaluation.trust)
    unadapted: dict = field(default_factory=dict)   # model -> probabilities before adaptation
    seen: dict = field(default_factory=dict)        # model -> share of these beats it trained on
    rhythm: dict = field(default_factory=dict)      # model -> the training recording its rhythm matches
    features: dict = field(default_factory=dict)    # model -> (n, d) what its classifier reads
    labels: np.ndarray | None = None       # a person's label per beat (0..4, -1 none; ecgdash.review)
    review_note: str | None = None         # who labelled how many beats, how (ecgdash.review)

    @property
    def readable(self) -> np.ndarray:
        """Beats that get a class: all but those in unreadable segments."""
        if self.quality is None:
            return np.ones(len(self.beats), dtype=bool)
        return self.quality != "unreadable"

    def classes(self, name: str) -> np.ndarray:
        """Class letter of each beat for model ``name``; "unreadable" where the signal is."""
        letters = np.asarray(CLASSES, dtype=object)[self.probas[name].argmax(axis=1)]
        return np.where(self.readable, letters, "unreadable")

    @property
    def times(self) -> np.ndarray:
        return self.beats.sample / self.recording.fs

    @property
    def reference(self) -> np.ndarray | None:
        """Reference AAMI class per beat (-1 where a detected beat matches no annotated beat)."""
        return self.beats.y

    @property
    def counts(self) -> pd.DataFrame:
        """Beats per class (rows) for each model (columns) and the reference; a last row
        "unreadable" counts the beats left without a class (when there are any)."""
        ok = self.readable
        data = self._class_counts(self.probas)
        if self.reference is not None:
            data["reference"] = np.bincount(self.reference[(self.reference >= 0) & ok],
                                            minlength=len(CLASSES))
        frame = pd.DataFrame(data, index=list(CLASSES))
        if not ok.all():
            unread = {name: int((~ok).sum()) for name in self.probas}
            if self.reference is not None:
                unread["reference"] = int(((self.reference >= 0) & ~ok).sum())
            frame.loc["unreadable"] = pd.Series(unread)
        return frame

    @property
    def heart_rate(self) -> pd.DataFrame:
        """Instantaneous heart rate (beats/min) at each beat, from the RR interval before it."""
        rr = self.beats.rr[:, 0].astype(float)
        bpm = np.where(rr > 0, 60.0 / rr, np.nan)
        return pd.DataFrame({"time_s": self.times, "bpm": bpm})

    def _class_counts(self, probas: dict) -> dict:
        ok = self.readable
        return {name: np.bincount(p[ok].argmax(axis=1), minlength=len(CLASSES)) for name, p in probas.items()}

    @property
    def unadapted_counts(self) -> pd.DataFrame:
        """Readable beats per class for each adapted model before it adapted (empty if none)."""
        return pd.DataFrame(self._class_counts(self.unadapted), index=list(CLASSES))

    def quality_frame(self) -> pd.DataFrame:
        """``model_quality`` as a table: a row per (model, class) with sensitivity, positive
        predictivity and reference beats (empty without reference labels). A class without
        reference beats has no sensitivity, one the model never called no predictivity (NaN)."""
        rows = [{"model": name, "class": c, "sensitivity": q[c]["sensitivity"],
                 "positive predictivity": q[c]["ppv"], "reference beats": q[c]["support"]}
                for name, q in self.model_quality.items() for c in CLASSES]
        return pd.DataFrame(rows)

    @cached_property
    def model_quality(self) -> dict[str, dict]:
        """Per-class sensitivity and positive predictivity of each model against the reference
        labels (beats without a reference label, and unreadable beats, are left out)."""
        return self._quality(self.probas)

    @cached_property
    def unadapted_quality(self) -> dict[str, dict]:
        """``model_quality`` of the adapted models before they adapted (empty if none)."""
        return self._quality(self.unadapted)

    def _quality(self, probas: dict) -> dict[str, dict]:
        if self.reference is None:
            return {}
        known = (self.reference >= 0) & self.readable
        if not known.any():
            return {}
        out = {}
        for name, proba in probas.items():
            ev = evaluate(self.reference[known], proba[known])
            called = np.sum(ev["confusion"], axis=0)
            # undefined, not 0: no reference beat of the class (sensitivity), no call (predictivity)
            out[name] = {c: {"sensitivity": m["recall"] if m["support"] else None,
                             "ppv": m["precision"] if called[k] else None, "support": m["support"]}
                         for k, (c, m) in enumerate(ev["per_class"].items())}
            out[name]["accuracy"] = ev["accuracy"]
            out[name]["macro_f1"] = ev["macro_f1"]
        return out


def _reference_beats(lead) -> tuple[np.ndarray, np.ndarray]:
    """Positions and symbols of the annotated beats (AAMI beat symbols)."""
    is_beat = is_beat_symbol(lead.ann_symbol)
    return lead.ann_sample[is_beat], lead.ann_symbol[is_beat]


def analyze_record(source, *, fs: float | None = None, lead=None, use_annotations: bool = True,
                   models=None, record: str | None = None, invert: bool = False,
                   check_quality: bool = True, cards: dict | None = None,
                   adapt: bool = False) -> RecordAnalysis:
    """Find, cut and classify every beat of a recording.

    Parameters
    ----------
    source : Recording, str, Path or list of uploaded files
        A ``Recording`` already read, or anything ``read_recording`` takes: a WFDB record
        (path without extension), a ``.zip``, a CSV/TXT of signal columns, uploaded files.
    fs : float, optional
        Sampling rate of a CSV/TXT signal; None: from its time column (without one,
        ``errors.RateNeeded`` asks for it).
    lead : str or int, optional
        Lead name or index. Default: MLII or lead II when the recording has one (the models
        were trained on MLII), else channel 0.
    use_annotations : bool, default True
        Take the beats from the ``.atr`` when there is one. Otherwise (or without one) the QRS
        detector (``ecgdash.ecg.detect``) finds them; when annotations exist, each detected beat
        then takes the label of the annotated beat it matches (150 ms) and the detector's
        sensitivity and positive predictivity are measured.
    models : sequence of str or dict, optional
        Registered model names (loaded from ``trained_models/``) or ``{name: model}``.
        Default: the robust pair (``registry.PAIRS["robust"]``).
    record : str, optional
        Which record of an upload holding several.
    invert : bool, default False
        Flip the lead upside down first (electrodes swapped: ``.trust`` says when the QRS
        points down in most beats).
    check_quality : bool, default True
        Measure the signal quality per 10-s segment (``ecgdash.ecg.quality``); beats in unreadable
        segments get no class and are left out of counts and scores.
    cards : dict, optional
        ``{name: model card}`` quoted in ``.trust`` (measured accuracies) and read for the
        seen-beat shares. Default: the cards the loaded models carry (``store.load_model``);
        bare Keras models have none.
    adapt : bool, default False
        Adapt each model to this recording from its unlabelled beats (``ecgdash.models.adapt``;
        never its labels); ``.unadapted`` keeps the probabilities before adaptation. Off by
        default: the rule was chosen on MIT-BIH and lowered every class on another database
        (svdb development records).

    Returns
    -------
    RecordAnalysis
        The beats, each model's probabilities, where the beats came from, detector quality,
        signal quality, ``.trust`` (a plain sentence on how far to trust the classes, and the
        facts behind it) and warnings; ``.counts`` and ``.quality_frame()``.

    Raises
    ------
    DataError
        Unreadable input, an unknown lead, fewer than two beats, a missing model.

    Examples
    --------
    >>> result = ecgdash.analyze_record("data/examples/mitdb_excerpts/213", use_annotations=False)
    >>> result.source, result.detection["sensitivity"] > 0.99
    ('detector', True)
    """
    recording = source if isinstance(source, Recording) else read_recording(source, fs=fs, record=record)
    lead = recording.default_lead() if lead is None else lead
    index = recording.lead_index(lead)
    if invert:
        recording = _flipped(recording, index)
    signal = recording.lead_signal(lead)
    warnings = list(recording.warnings)
    lead_at = len(warnings)             # the lead's note goes here, once the cards are read
    found = find_beats(recording, index, use_annotations)
    beats, source_kind, detection, found_on_lead, notes = found.beats, found.source, found.detection, \
        found.found_on_lead, found.warnings
    warnings += notes + beats.warnings
    if len(beats) < 2:
        raise DataError(f"{recording.name}: fewer than two beats to classify.")
    if len(beats) < 2 * WINDOW + 1:
        warnings.append(
            f"A short recording: {len(beats)} beats in {recording.duration:.0f} s. Each beat is "
            f"compared with the beats there are (up to ±{WINDOW} for the rhythm, ±{TEMPLATE_WINDOW} "
            "for the usual shape), so calls of early (S) beats are less sure than on minutes of "
            "ECG, and trends of the heart rate cannot be judged.")
    segments = levels = None
    if check_quality:
        segments = segment_quality(signal.signal, signal.fs,
                                   detections={m: p for m, p in found_on_lead.items() if m in QUALITY_DETECTORS})
        levels = beat_quality(segments, beats.sample / recording.fs)
    check_plausible(signal.signal, signal.fs, beats.sample, name=recording.name)
    if levels is not None and (unread := int((levels == "unreadable").sum())):
        warnings.append(f"{unread} of {len(beats)} beats lie in stretches too noisy to read: "
                        "they get no class and are left out of counts and scores.")
    loaded = models if isinstance(models, dict) else _load(models)
    if cards is None:
        cards = {name: card for name, model in loaded.items() if (card := card_of(model)) is not None}
    if (lead_note := lead_warning(signal.lead, cards=cards)) is not None:
        warnings.insert(lead_at, lead_note)
    scores = classify(loaded, beats, adapt=adapt)
    plain, probas, adapted = scores.plain, scores.probas, scores.adapted
    if adapted and len(beats) < MIN_BEATS:
        warnings.append(f"Only {len(beats)} beats: too few to adapt the models to this recording "
                        f"(at least {MIN_BEATS}); they score it as they are.")
    seen = {name: model_seen_share(model, beats.X) if isinstance(model, LoadedModel)
            else seen_share(name, beats.X, card=cards[name])
            for name, model in loaded.items() if name in cards}
    # rows cut another way never match: the recording is also recognised by its rhythm
    rhythm = {name: found for name, model in loaded.items()
              if (found := recording_seen(model, beats.sample, recording.fs)) is not None}
    for name, found in rhythm.items():
        if not seen.get(name) and found.share < RHYTHM_SHARE and found.judged < RHYTHM_JUDGED:
            seen[name] = None                       # too steady a rhythm to tell: nothing is said
    trust = assess_trust(lead=signal.lead, fs=recording.fs, duration_s=recording.duration, rhythm=rhythm,
                         levels=levels if levels is not None else np.full(len(beats), "good", dtype=object),
                         probas=probas, upright=upright_share(signal.signal, signal.fs, beats.sample),
                         kind=recording.kind, cards=cards, seen=seen)
    return RecordAnalysis(recording=recording, lead=signal.lead, beats=beats, probas=probas,
                          source=source_kind, detection=detection, warnings=warnings,
                          segments=segments, quality=levels, trust=trust, seen=seen,
                          unadapted={n: plain[n] for n in adapted if len(beats) >= MIN_BEATS},
                          features=scores.features, rhythm=rhythm)


def _flipped(recording: Recording, index: int) -> Recording:
    """The recording with lead ``index`` upside down (electrodes swapped), and a note saying so."""
    signals = recording.signals.copy()
    signals[:, index] = -signals[:, index]
    return replace(recording, signals=signals, warnings=recording.warnings + [
        f"{lead_words(recording.leads[index])} was flipped upside down."])


class FoundBeats(NamedTuple):
    """What ``find_beats`` found (a named tuple: read its fields by name)."""

    beats: Beats                   # ``y`` -1 where no reference label
    source: str                    # "annotations" or "detector"
    detection: dict | None         # the detector's quality against the annotations (detector path)
    found_on_lead: dict            # each detector's positions on this lead
    warnings: list[str]


def find_beats(recording: Recording, index: int, use_annotations: bool = True) -> FoundBeats:
    """The beats of lead ``index``: at the annotations (when there are and ``use_annotations``),
    else where the QRS detector finds them (then labelled from the annotations they match).

    Where annotations cover only part of the recording (more than ``UNANNOTATED_S`` unannotated
    at its start or end), the beats the detector finds outside them are classified too, without
    a reference label: the whole recording is analysed, only the annotated span is scored.

    Returns
    -------
    FoundBeats
        ``beats`` (``y`` -1 where no reference label), ``source`` ("annotations" or
        "detector"), ``detection`` (the detector's quality against the annotations, on the
        detector path), ``found_on_lead`` (each detector's positions on this lead), ``warnings``.
    """
    signal = recording.lead_signal(index)
    has_ann = signal.ann_sample is not None and is_beat_symbol(signal.ann_symbol).sum() >= 2
    warnings = []
    if use_annotations and has_ann:
        marks, symbols = signal.ann_sample, signal.ann_symbol
        ref_pos, _ = _reference_beats(signal)
        gap = UNANNOTATED_S * recording.fs
        found_on_lead = {}
        if ref_pos[0] > gap or len(signal.signal) - ref_pos[-1] > gap:
            positions, lists = detect_beats(recording.signals, recording.fs, lead=index, with_lists=True)
            found_on_lead = {m: p for (m, ch), p in lists.items() if ch == index}
            tol = TOLERANCE_S * recording.fs
            extra = positions[(positions < ref_pos[0] - tol) | (positions > ref_pos[-1] + tol)]
            if len(extra):
                marks = np.concatenate([marks, extra])
                symbols = np.concatenate([symbols, np.full(len(extra), UNLABELLED)])
                order = np.argsort(marks, kind="stable")
                marks, symbols = marks[order], symbols[order]
                warnings.append(
                    f"The annotations cover {ref_pos[0] / recording.fs:.0f} s to "
                    f"{ref_pos[-1] / recording.fs:.0f} s of {recording.duration:.0f} s: the "
                    f"{len(extra)} beats the detector found outside them are classified, but "
                    "not scored against the reference.")
        return FoundBeats(beats_at(signal, marks, symbols), "annotations", None, found_on_lead, warnings)
    positions, lists = detect_beats(recording.signals, recording.fs, lead=index, with_lists=True)
    found_on_lead = {m: p for (m, ch), p in lists.items() if ch == index}
    if len(positions) < 3:
        raise NotAnECG(f"{recording.name}: fewer than two beats were found in "
                       f"{recording.duration:.1f} s of signal: it does not look like an ECG (or "
                       "the lead is flat or far too noisy).")
    beats = beats_at(signal, positions)
    detection = None
    if has_ann:
        ref_pos, ref_sym = _reference_beats(signal)
        detection = detection_quality(ref_pos, positions, signal.fs)
        if detection["outside"]:
            start, end = detection["span_s"]
            until = "the end" if end is None else f"{end:.0f} s"
            warnings.append(f"The annotations cover {start:.0f} s to {until} only: the "
                            f"{detection['outside']} beats found outside them are classified, "
                            "but not scored against the reference.")
        ref_of_det, _ = match_beats(ref_pos, beats.sample, signal.fs)
        labels = np.full(len(beats), -1, dtype=np.int64)
        hit = ref_of_det >= 0
        labels[hit] = [AAMI_MAP[s] for s in ref_sym[ref_of_det[hit]]]
        beats.y = labels
    return FoundBeats(beats, "detector", detection, found_on_lead, warnings)


@dataclass
class Scores:
    """What ``classify`` gives for a set of beats.

    Attributes
    ----------
    plain : dict
        Model name -> (n, 5) probabilities as trained.
    probas : dict
        Model name -> (n, 5) probabilities as used (adapted where asked, else ``plain``).
    adapted : list of str
        The models that were adapted.
    features : dict
        Model name -> (n, d) the features its classifier reads (``predict_features``).
    """

    plain: dict
    probas: dict
    adapted: list
    features: dict


def classify(models: dict, beats: Beats, *, adapt: bool = False) -> Scores:
    """Each model's probabilities for ``beats``, as trained and as used, and its features.

    With ``adapt`` each model that carries its training prior is adapted to these beats
    (``ecgdash.models.adapt``; label-free). Off by default: the adaptation rule chosen on MIT-BIH
    lowered every class on the svdb development records (see README), so until a rule
    validated on a second database replaces it, recordings are scored as the models are.
    """
    both = {name: predict_features(model, beats) for name, model in models.items()}
    plain = {name: p for name, (p, _) in both.items()}
    adapted = [name for name, model in models.items() if adapt and prior_of(model) is not None]
    probas = {name: adapt_proba(models[name], beats, proba=plain[name]) if name in adapted else plain[name]
              for name in models}
    return Scores(plain, probas, adapted, {name: f for name, (_, f) in both.items()})


def _load(names) -> dict:
    return {name: load_model(name) for name in (names or registry.PAIRS[registry.RECORDINGS_PAIR])}
