"""How models hold up on DS2 under other recording conditions (the robustness table).

Each model is scored on the DS2 beats as recorded (360 Hz, lead MLII), resampled to 128 and
250 Hz (then cut by the any-rate path), with baseline wander and muscle noise at 12 dB SNR, and
from the second lead::

    table = robustness_suite({"robust_cnn": model}, "data/mitdb")   # {model: {condition: metrics}}

``python -m ecgdash evaluate --robustness`` runs it and stores the table in each card.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ecgdash.beats import Beats
from ecgdash.config import DS2
from ecgdash.datasets.mitbih import present_records, read_records
from ecgdash.ecg.augment import add_noise, resample
from ecgdash.ecg.cutting import beats_at
from ecgdash.evaluation.metrics import evaluate
from ecgdash.io.recording import LeadSignal, Recording
from ecgdash.models.adapt import adapt_proba
from ecgdash.models.inference import predict_proba

#: The DS2 conditions of the robustness table: name -> (sampling rate or None, noise, lead).
CONDITIONS = {
    "DS2 360 Hz": (None, False, 0),
    "DS2 at 128 Hz": (128.0, False, 0),
    "DS2 at 250 Hz": (250.0, False, 0),
    "DS2 + noise 12 dB": (None, True, 0),
    "DS2 lead 1": (None, False, 1),
}
#: The noise of the noisy condition: baseline wander and muscle noise at this SNR.
NOISE_DB = 12.0
#: The conditions in words, for a page's caption.
CONDITIONS_WORDS = (f"DS2 resampled to {' and '.join(f'{c[0]:g}' for c in CONDITIONS.values() if c[0])} Hz "
                    f"and cut by the any-rate path, with baseline wander and muscle noise at {NOISE_DB:g} dB "
                    "SNR, and from the second lead (V1, V2, V4 or V5)")


def condition_beats(recordings: list[Recording], condition: str, seed: int = 0) -> Beats:
    """DS2 beats under one of ``CONDITIONS``: resampled (then cut by the any-rate path), with
    baseline wander and muscle noise at 12 dB, or from channel 1 (V1, V2, V4 or V5)."""
    fs_new, noisy, lead = CONDITIONS[condition]
    parts = []
    for rec in recordings:
        x, fs, marks = rec.signals[:, lead], rec.fs, rec.ann_sample
        if fs_new:
            x = resample(x, fs, fs_new)
            marks = np.clip(np.round(marks * fs_new / fs), 0, len(x) - 1).astype(np.int64)
            fs = fs_new
        if noisy:
            x = add_noise(x, fs, NOISE_DB, np.random.default_rng([seed, int(rec.name)]), ("baseline", "muscle"))
        signal = LeadSignal(name=rec.name, fs=fs, signal=x, lead=rec.leads[lead],
                            ann_sample=marks, ann_symbol=rec.ann_symbol)
        parts.append(beats_at(signal, marks, rec.ann_symbol))
    return Beats.concat(parts)


def robustness_suite(models: dict, source, records=None, progress=None, *,
                     adapt: bool = False) -> dict[str, dict]:
    """Each model on each DS2 condition: ``{model: {condition: metrics}}`` with accuracy,
    macro-F1, S-F1, V-F1 and the loss of macro-F1 against the 360 Hz original. With ``adapt``,
    each DS2 record is scored adapted to itself (``adapt.adapt_proba``; the models
    must come from ``load_model``)."""
    source = Path(source)
    recordings = read_records(source, present_records(source, records or DS2))
    out = {name: {} for name in models}
    for condition in CONDITIONS:
        beats = condition_beats(recordings, condition)
        for name, model in models.items():
            ev = evaluate(beats.y, adapt_proba(model, beats) if adapt else predict_proba(model, beats))
            out[name][condition] = {"beats": ev["n"], "accuracy": ev["accuracy"],
                                    "macro_f1": ev["macro_f1"], "S_f1": ev["per_class"]["S"]["f1"],
                                    "V_f1": ev["per_class"]["V"]["f1"],
                                    "F_f1": ev["per_class"]["F"]["f1"]}
            if progress:
                progress(name, condition, out[name][condition])
    for rows in out.values():
        base = rows["DS2 360 Hz"]["macro_f1"]
        for row in rows.values():
            row["macro_f1_loss"] = base - row["macro_f1"]
    return out


def format_row(name: str, condition: str, m: dict) -> str:
    """One line of the robustness table: accuracy / macro-F1 / S-F1 / V-F1."""
    return (f"{name:<12} {condition:<18} {m['accuracy']:.4f} / {m['macro_f1']:.4f} / "
            f"{m['S_f1']:.4f} / {m['V_f1']:.4f}")
