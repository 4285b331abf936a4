"""The model store: ``trained_models/<name>.keras`` and its card ``trained_models/<name>.json``.

Two folders: the models that ship with ecgdash (``trained_models/``, committed; nothing a user
does replaces them) and the models people train themselves (``data/user_models/``, git-ignored;
named ``my-lstm-1``, ``my-cnn-2``, ...). A name is looked up in the shipped folder first, then in
the user folder, so a user's model can never take the place of a shipped one.

Each model's card names a file of fingerprints of the rows it trained on
(``<folder>/fingerprints/<digest>.npy``, ``ecgdash.datasets.fingerprints``; shared by models trained on
the same rows), so a page can say how many of a file's beats a model has seen.

Writes are atomic as a pair: both files are written in full to temporary names first; the new
card is moved beside the old one as ``.<name>.json.pending``, then the model into place, then
the card. The card records the sha256 of its ``.keras`` file, so a run killed at any moment
leaves either the previous pair, or the new model with its pending card, which the next read
of the card completes (``_finish_save``). Nothing is ever left that cannot be loaded.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path

import numpy as np

from ecgdash.config import data_dir, models_dir
from ecgdash.datasets import fingerprints
from ecgdash.errors import DataError
from ecgdash.io.files import fsync_write, temp_path
from ecgdash.models import registry
from ecgdash.models.adapt import train_prior_of
from ecgdash.models.loaded import LoadedModel


class ModelMissing(DataError):
    """No trained model (or card) of that name in the store."""


#: Where the models people train go: ``data/user_models/`` (``ECGDASH_USER_MODELS_DIR``).
USER_MODELS = "user_models"
#: The prefix of a user model's name: ``my-<kind>-<n>``.
USER_PREFIX = "my-"


def user_models_dir() -> Path:
    """The folder of the models people train (``data/user_models``; override with
    ``ECGDASH_USER_MODELS_DIR``). Never the shipped ``trained_models/``."""
    return Path(os.environ.get("ECGDASH_USER_MODELS_DIR", data_dir() / USER_MODELS))


def folder_of(name: str, folder=None) -> Path:
    """Where model ``name`` lives: ``folder`` when given, else the shipped folder when it holds
    the name, else the user folder when it does, else the shipped folder (for the message)."""
    if folder:
        return Path(folder)
    shipped = models_dir()
    if (shipped / f"{name}.json").is_file() or (shipped / f"{name}.keras").is_file():
        return shipped
    user = user_models_dir()
    if (user / f"{name}.json").is_file():
        return user
    return shipped


#: What a model's name may be: letters, digits, ``_`` and ``-``, not starting with ``-`` (a name,
#: never a path or a file name).
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")


def check_name(name: str) -> str:
    """``name`` if it can name a model (``NAME``); ``DataError`` saying why otherwise.

    >>> check_name("my-cnn-2")
    'my-cnn-2'
    >>> check_name("cnn.keras")
    Traceback (most recent call last):
    ...
    ecgdash.errors.DataError: 'cnn.keras' is not a model name: give a name like cnn or my-cnn-1 (letters, digits, _ and -, without .keras or a folder; --models-dir names the folder).
    """
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise DataError(f"{name!r} is not a model name: give a name like cnn or my-cnn-1 (letters, "
                        "digits, _ and -, without .keras or a folder; --models-dir names the folder).")
    return name


def model_paths(name: str, folder=None) -> tuple[Path, Path]:
    """``(<name>.keras, <name>.json)`` in ``folder`` (default: where ``folder_of`` finds it);
    ``DataError`` for a name that is not one (``check_name``)."""
    check_name(name)
    folder = folder_of(name, folder)
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
#: The folder (inside a model folder) of the training rows' fingerprints.
FINGERPRINTS = "fingerprints"


def save_model(name: str, model, card: dict, *, folder=None) -> Path:
    """Save ``model`` and its ``card`` as ``<name>.keras`` / ``<name>.json``, atomically.

    Both are written in full under temporary names unique to this call (so two threads saving
    at once never share one), then moved into place. A card whose ``train_rows`` holds the
    ``fingerprints`` of its training rows (as ``training`` makes it) gets them written to
    ``<folder>/fingerprints/`` first; the saved card names that file.
    """
    folder = Path(folder) if folder else models_dir()
    model_path, card_path = model_paths(name, folder)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_model, tmp_card = temp_path(model_path), temp_path(card_path)
    try:
        card = dict(card, train_rows=_store_fingerprints(card.get("train_rows"), folder))
        model.save(tmp_model)
        card = dict(card, name=name, keras_sha256=_sha256(tmp_model))
        fsync_write(tmp_card, json.dumps(card, indent=1, default=_json_default).encode())
        with _PAIR_LOCK:        # the model and its card move in together, whoever saves next
            pending = _pending_path(card_path)
            os.replace(tmp_card, pending)       # a kill from here on: _finish_save completes it
            os.replace(tmp_model, model_path)
            os.replace(pending, card_path)
    finally:
        tmp_model.unlink(missing_ok=True)
        tmp_card.unlink(missing_ok=True)
    return model_path


def _store_fingerprints(train_rows, folder: Path):
    """A card's ``train_rows`` with its ``fingerprints`` written to ``folder/fingerprints/``
    (named by their digest, so models trained on the same rows share one file)."""
    if not isinstance(train_rows, dict) or "fingerprints" not in train_rows:
        return train_rows
    fps = np.unique(np.asarray(train_rows["fingerprints"], dtype=np.uint64))
    digest = hashlib.sha256(fps.tobytes()).hexdigest()[:16]
    relative = f"{FINGERPRINTS}/{digest}.npy"
    if not (folder / relative).is_file():
        fingerprints.save(folder / relative, fps)
    return {k: v for k, v in train_rows.items() if k != "fingerprints"} | {"file": relative}



def train_fingerprints(name: str, card: dict | None = None, *, folder=None) -> np.ndarray | None:
    """The sorted fingerprints of the rows model ``name`` trained on, or None when its card
    names none (or the file is missing). A card not yet saved may hold them itself."""
    card = card if card is not None else load_card(name, folder=folder)
    rows = card.get("train_rows")
    if not isinstance(rows, dict):
        return None
    if "fingerprints" in rows:
        return np.unique(np.asarray(rows["fingerprints"], dtype=np.uint64))
    path = folder_of(name, folder) / str(rows.get("file", ""))
    if not rows.get("file") or not path.is_file():
        return None
    try:
        return fingerprints.load(path)
    except (OSError, ValueError):
        return None


def train_rhythm(name: str, card: dict | None = None, *, folder=None):
    """The rhythm prints of the recordings model ``name`` trained on
    (``datasets.rhythm.RhythmPrints``; the card's ``train_rows.rhythm`` file), or None when its
    card names none (or the file is missing)."""
    from ecgdash.datasets.rhythm import load_prints

    card = card if card is not None else load_card(name, folder=folder)
    rows = card.get("train_rows")
    relative = rows.get("rhythm") if isinstance(rows, dict) else None
    path = folder_of(name, folder) / str(relative or "")
    if not relative or not path.is_file():
        return None
    try:
        return load_prints(path)
    except (OSError, ValueError, KeyError):
        return None


def _json_default(value):
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


def _pending_path(card_path: Path) -> Path:
    return card_path.with_name(f".{card_path.name}.pending")


def _finish_save(model_path: Path, card_path: Path) -> dict | None:
    """After a save killed between moving the model and its card: the pending card, moved into
    place when it belongs to the model on disk (or just returned where the folder is read-only).
    A pending card of a model that never arrived is removed. None when there is nothing pending."""
    pending = _pending_path(card_path)
    if not pending.is_file():
        return None
    try:
        card = json.loads(pending.read_text())
        belongs = model_path.is_file() and card.get("keras_sha256") == _sha256(model_path)
    except (OSError, ValueError):
        card, belongs = None, False
    try:
        if belongs:
            os.replace(pending, card_path)
        else:
            pending.unlink()
    except OSError:
        pass
    return card if belongs else None


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
    finished = _finish_save(model_path, card_path)
    if finished is not None:
        return finished
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
        A registered name (``ecgdash.models.registry.MODELS``: "lstm", "cnn", "robust_cnn", ...) or
        any model saved with ``save_model``.
    folder : str or Path, optional
        The model store (default ``trained_models/``, or ``ECGDASH_MODELS_DIR``).
    check : bool, default True
        Refuse a ``.keras`` file whose sha256 differs from its card's (a half-replaced pair).

    Returns
    -------
    LoadedModel
        The Keras network with its card and training prior (``ecgdash.models.loaded``); it
        serves wherever a Keras model does.

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

    model_path, card_path = model_paths(name, folder)
    if not model_path.is_file():
        raise ModelMissing(f"No trained model {name!r} in {model_path.parent}: {_train_hint(name)}.")
    card = load_card(name, folder=folder) if check or card_path.is_file() else None
    if check and card.get("keras_sha256") not in (None, _sha256(model_path)):
        raise DataError(f"{model_path} does not match its card (sha256 differs): "
                        f"{_train_hint(name)} or restore both files with git.")
    try:
        network = keras.saving.load_model(model_path, safe_mode=True, compile=False)
    except Exception as exc:  # keras raises many types for a broken file
        raise DataError(f"{model_path} could not be loaded ({type(exc).__name__}: {exc}); "
                        f"{_train_hint(name)} or restore it with git.") from None
    return LoadedModel(name=name, network=network, card=card, folder=model_path.parent,
                       prior=train_prior_of(card) if card is not None else None)


def next_user_name(kind: str, *, folder=None) -> str:
    """The next free user name for a model of ``kind`` ("lstm", "cnn"): ``my-lstm-1``, ... (a
    name reserved by a run still training counts as taken; ``reserve_user_name`` takes one)."""
    folder = Path(folder) if folder else user_models_dir()
    taken = set(list_models(folder)) | {p.stem for p in folder.glob(f"{USER_PREFIX}{kind}-*.keras")}
    n = 1
    while f"{USER_PREFIX}{kind}-{n}" in taken:
        n += 1
    return f"{USER_PREFIX}{kind}-{n}"


def reserve_user_name(kind: str, *, name: str | None = None, folder=None) -> str:
    """Take a name in the user folder for a model that is about to be trained or saved.

    The name is reserved by creating its empty ``<name>.keras`` with an exclusive create, which
    the file system grants to one process only: two trainings (the command line, the Train
    page, another session) never get the same name, and a name given by the user that is
    already taken is refused, never overwritten. ``save_model`` then replaces the empty file;
    ``release_name`` gives an unused reservation back.

    Parameters
    ----------
    kind : str
        The model's kind ("lstm", "cnn", "robust_cnn", ...): the default name is ``my-<kind>-<n>``.
    name : str, optional
        Exactly this name (``check_name``); refused when a model of the user folder has it, or a
        shipped model (it would hide behind it).
    folder : str or Path, optional
        The user folder (default ``user_models_dir()``).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> reserve_user_name("cnn", folder=folder), reserve_user_name("cnn", folder=folder)
    ('my-cnn-1', 'my-cnn-2')
    """
    folder = Path(folder) if folder else user_models_dir()
    if name is not None:
        check_user_name(name, folder=folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"Cannot create the model folder {folder}: {exc.strerror or exc}.") from None
    for _ in range(10_000):
        candidate = name or next_user_name(kind, folder=folder)
        try:
            os.close(os.open(folder / f"{candidate}.keras", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return candidate
        except FileExistsError:
            if name is not None:
                raise DataError(f"A model named {name!r} is already in {folder}: choose another "
                                "--name (nothing was overwritten).") from None
        except OSError as exc:
            raise DataError(f"Cannot write to the model folder {folder}: {exc.strerror or exc}.") from None
    raise DataError(f"Could not find a free name for a {kind} model in {folder}.")


def check_user_name(name: str, *, folder=None) -> str:
    """``name`` if a user may save a model under it (``check_name``, not a shipped model's name,
    not taken in the user ``folder``); ``DataError`` saying why otherwise. Nothing is reserved:
    ``reserve_user_name`` does that.

    >>> check_user_name("robust_cnn")
    Traceback (most recent call last):
    ...
    ecgdash.errors.DataError: 'robust_cnn' is the name of a shipped model: yours would be hidden behind it. Choose another --name.
    """
    check_name(name)
    if name in registry.MODELS or (models_dir() / f"{name}.json").is_file():
        raise DataError(f"{name!r} is the name of a shipped model: yours would be hidden behind it. "
                        "Choose another --name.")
    folder = Path(folder) if folder else user_models_dir()
    if (folder / f"{name}.keras").exists() or (folder / f"{name}.json").exists():
        raise DataError(f"A model named {name!r} is already in {folder}: choose another --name "
                        "(nothing was overwritten).")
    return name


def release_name(name: str, *, folder=None) -> None:
    """Give back a name ``reserve_user_name`` took and no model was saved under (its ``.keras``
    is still empty); a saved model is never touched."""
    path = (Path(folder) if folder else user_models_dir()) / f"{check_name(name)}.keras"
    try:
        if path.stat().st_size == 0 and not path.with_suffix(".json").exists():
            path.unlink()
    except OSError:
        pass


def save_user_model(model, card: dict, *, folder=None) -> str:
    """Save a model someone trained in the user folder under the next free ``my-<kind>-<n>``
    (never in ``trained_models/``), reserved first (``reserve_user_name``). Returns the name."""
    folder = Path(folder) if folder else user_models_dir()
    name = reserve_user_name(str(card.get("kind", "model")), folder=folder)
    try:
        save_model(name, model, card, folder=folder)
    except BaseException:
        release_name(name, folder=folder)
        raise
    return name


def delete_user_model(name: str, *, folder=None) -> None:
    """Delete a user model (its ``.keras`` and card; shared fingerprints stay). A shipped
    model cannot be deleted (``DataError``)."""
    folder = Path(folder) if folder else user_models_dir()
    if not name.startswith(USER_PREFIX) or (models_dir() / f"{name}.json").is_file():
        raise DataError(f"{name!r} is not a user model: the shipped models are never deleted.")
    model_path, card_path = model_paths(name, folder)
    if not card_path.is_file() and not model_path.is_file():
        raise ModelMissing(f"No user model {name!r} in {folder}.")
    card_path.unlink(missing_ok=True)
    model_path.unlink(missing_ok=True)


def list_user_models(*, folder=None) -> list[str]:
    """Names of the models people trained (the user folder), sorted by name."""
    return list_models(folder or user_models_dir())


def list_models(folder=None) -> list[str]:
    """Names of the models in the store that have both a ``.keras`` file and a card."""
    folder = Path(folder) if folder else models_dir()
    if not folder.is_dir():
        return []
    for pending in folder.glob(".*.json.pending"):     # a save killed halfway: complete it first
        card_path = folder / pending.name[1:-len(".pending")]
        _finish_save(card_path.with_suffix(".keras"), card_path)
    return sorted(p.stem for p in folder.glob("*.json")
                  if (folder / f"{p.stem}.keras").is_file() and ".tmp" not in p.name)
