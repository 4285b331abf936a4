"""The model store: ``trained_models/<name>.keras`` and its card ``trained_models/<name>.json``.

Writes are atomic: both files are written in full to temporary names first, then moved into
place with ``os.replace``; a run killed before that leaves the previous model and card intact.
The card records the sha256 of its ``.keras`` file, so a pair that does not belong together is
detected on load.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from . import registry
from .config import models_dir
from .errors import DataError
from .files import fsync_write, temp_path


class ModelMissing(DataError):
    """No trained model (or card) of that name in the store."""


def model_paths(name: str, folder=None) -> tuple[Path, Path]:
    """``(<name>.keras, <name>.json)`` in ``folder`` (default ``trained_models/``)."""
    if not name or any(c in name for c in "/\\.") or name.startswith("-"):
        raise ValueError(f"invalid model name {name!r}")
    folder = Path(folder) if folder else models_dir()
    return folder / f"{name}.keras", folder / f"{name}.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: Held while a model and its card are moved into place: two threads saving the same name at
#: once could otherwise leave one's model beside the other's card.
_PAIR_LOCK = threading.Lock()


def save_model(name: str, model, card: dict, *, folder=None) -> Path:
    """Save ``model`` and its ``card`` as ``<name>.keras`` / ``<name>.json``, atomically.

    Both are written in full under temporary names unique to this call (so two threads saving
    at once never share one), then moved into place.
    """
    model_path, card_path = model_paths(name, folder)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_model, tmp_card = temp_path(model_path), temp_path(card_path)
    try:
        model.save(tmp_model)
        card = dict(card, name=name, keras_sha256=_sha256(tmp_model))
        fsync_write(tmp_card, json.dumps(card, indent=1, default=_json_default).encode())
        with _PAIR_LOCK:        # the model and its card move in together, whoever saves next
            os.replace(tmp_model, model_path)
            os.replace(tmp_card, card_path)
    finally:
        tmp_model.unlink(missing_ok=True)
        tmp_card.unlink(missing_ok=True)
    return model_path


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def update_card(name: str, patch: dict, *, folder=None) -> dict:
    """Add or replace top-level entries of a card (e.g. new evaluations), atomically."""
    _, card_path = model_paths(name, folder)
    card = {**load_card(name, folder=folder), **patch}
    tmp = temp_path(card_path)
    try:
        fsync_write(tmp, json.dumps(card, indent=1, default=_json_default).encode())
        os.replace(tmp, card_path)
    finally:
        tmp.unlink(missing_ok=True)
    return card


def _train_hint(name: str) -> str:
    spec = registry.MODELS.get(name)
    if spec is None or spec.recipe == "robust":
        return f"run `python -m ecgdash train --model {name}`"
    return f"run `python -m ecgdash train --model {spec.architecture} --split {spec.split.value}`"


def load_card(name: str, *, folder=None) -> dict:
    """The card of model ``name``: how it was trained and how it scored (a dict).

    Raises
    ------
    ModelMissing
        No card of that name (the message says what to run).
    DataError
        A damaged card.
    """
    model_path, card_path = model_paths(name, folder)
    if not card_path.is_file():
        raise ModelMissing(f"No card for model {name!r} in {card_path.parent}: {_train_hint(name)}.")
    try:
        card = json.loads(card_path.read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"The card {card_path} is damaged ({exc}); {_train_hint(name)} "
                        "or restore it with git.") from None
    if not isinstance(card, dict) or "params" not in card:
        raise DataError(f"The card {card_path} is not an ecgdash model card; {_train_hint(name)}.")
    return card


def load_model(name: str, *, folder=None, check: bool = True):
    """A trained model from ``trained_models/`` (or ``folder``), loaded with safe_mode on.

    Parameters
    ----------
    name : str
        A registered name (``ecgdash.registry.MODELS``: "lstm", "cnn", "robust_cnn", ...) or
        any model saved with ``save_model``.
    folder : str or Path, optional
        The model store (default ``trained_models/``, or ``ECGDASH_MODELS_DIR``).
    check : bool, default True
        Refuse a ``.keras`` file whose sha256 differs from its card's (a half-replaced pair).

    Returns
    -------
    keras.Model

    Raises
    ------
    ModelMissing
        No such model (the message says what to run).
    DataError
        A damaged file, or one that does not match its card.

    Examples
    --------
    >>> model = ecgdash.load_model("cnn")
    >>> model.count_params()
    91925
    """
    import keras

    from .adapt import train_prior_of

    model_path, card_path = model_paths(name, folder)
    if not model_path.is_file():
        raise ModelMissing(f"No trained model {name!r} in {model_path.parent}: {_train_hint(name)}.")
    card = load_card(name, folder=folder) if check or card_path.is_file() else None
    if check and card.get("keras_sha256") not in (None, _sha256(model_path)):
        raise DataError(f"{model_path} does not match its card (sha256 differs): "
                        f"{_train_hint(name)} or restore both files with git.")
    try:
        model = keras.saving.load_model(model_path, safe_mode=True, compile=False)
    except Exception as exc:  # keras raises many types for a broken file
        raise DataError(f"{model_path} could not be loaded ({type(exc).__name__}: {exc}); "
                        f"{_train_hint(name)} or restore it with git.") from None
    if card is not None:          # what label-free adaptation needs (ecgdash.adapt)
        model._ecgdash_prior = train_prior_of(card)
    return model


def list_models(folder=None) -> list[str]:
    """Names of the models in the store that have both a ``.keras`` file and a card."""
    folder = Path(folder) if folder else models_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json")
                  if (folder / f"{p.stem}.keras").is_file() and ".tmp" not in p.name)
