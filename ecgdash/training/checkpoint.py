"""Training checkpoints: an interrupted training run resumes from its last finished epoch.

A robust model trained for 14-36 minutes here (two cores), a reference model for up to 25; a laptop
closed or a session ended should not cost the epochs already run. After every epoch the run
writes, into one folder, everything it needs to go on: the model's weights, the optimizer's
state (Adam's moments and step count), the best epoch's weights and the per-epoch history.
Started again with the same folder, the same model, data and options, it loads them and goes on
at the next epoch; a folder written by another run (other model, data or options) is refused,
never mixed in. The folder outlives the training itself: whoever saves the model removes it
(``clear``) once the model and its card are on disk, so a kill during the final evaluation or the
save costs no epoch (the rerun finds every epoch done and goes straight to saving). While a run
uses the folder it holds a lock there: a second run on the same folder (two trainings of one
model and seed) is refused while the first one's process is alive.

What is and is not the same after a resume: the augmented training beats are drawn per epoch
from ``(seed, epoch)``, so a resumed run sees the same beats as an uninterrupted one; dropout
draws come from Keras' own generator and differ.

    model, card = train_robust("robust_cnn", source, checkpoint="data/checkpoints/robust_cnn")
    # killed, then the same call again: it goes on from the last finished epoch
"""
from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import numpy as np

from ecgdash.errors import DataError
from ecgdash.io.files import FolderLock

STATE = "state.json"
ARRAYS = "arrays.npz"
LOCK = "owner.lock"


def saved_in(folder) -> bool:
    """Whether a training run left its state in ``folder``."""
    folder = Path(folder)
    return (folder / STATE).is_file() and (folder / ARRAYS).is_file()


class Checkpoint:
    """The per-epoch state of one training run, kept in ``folder``.

    Parameters
    ----------
    folder : str or Path
        Where the state is written (created when needed).
    fingerprint : dict
        What identifies the run (model name, options, a hash of the data): a folder whose
        fingerprint differs is refused by ``load``.
    """

    def __init__(self, folder, *, fingerprint: dict):
        self.folder = Path(folder)
        self.fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True, default=str))
        self._lock = FolderLock(self.folder, name=LOCK, what="Another training run")

    def acquire(self) -> None:
        """Take the folder for this process (``io.files.FolderLock``): a second training run on
        it is refused while this one's process lives (it says "Another training run")."""
        self._lock.acquire()

    def release(self) -> None:
        """Give the folder up (the lock only; the state stays)."""
        self._lock.release()

    def exists(self) -> bool:
        """Whether a run left its state here."""
        return saved_in(self.folder)

    def save(self, model, state: dict, best_weights) -> None:
        """Write the state after an epoch: ``state`` (JSON-able: history, best epoch, ...), the
        model's weights, its optimizer's variables, its random generators' states and
        ``best_weights``. Written to temporary
        files first, so an interruption while writing leaves the previous epoch's state whole."""
        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
        arrays.update({f"o{i}": np.asarray(v) for i, v in enumerate(model.optimizer.variables)})
        arrays.update({f"s{i}": np.asarray(v) for i, v in enumerate(_random_states(model))})
        if best_weights is not None:
            arrays.update({f"b{i}": w for i, w in enumerate(best_weights)})
        tmp_arrays = self.folder / (ARRAYS + ".tmp.npz")
        np.savez(tmp_arrays, **arrays)
        tmp_state = self.folder / (STATE + ".tmp")
        # Python's random state: Keras shuffles a PyDataset's batch order with it each epoch
        version, internal, gauss = random.getstate()
        state = {**state, "python_random": [version, list(internal), gauss]}
        tmp_state.write_text(json.dumps({"fingerprint": self.fingerprint, **state}, indent=1))
        os.replace(tmp_arrays, self.folder / ARRAYS)
        os.replace(tmp_state, self.folder / STATE)

    def load(self, model) -> tuple[dict, list | None] | None:
        """Restore ``model`` (compiled) to the saved epoch; returns ``(state, best_weights)``,
        or None when nothing was saved here.

        Raises
        ------
        DataError
            The folder holds another run's state, or a state that cannot be read.
        """
        if not self.exists():
            return None
        try:
            state = json.loads((self.folder / STATE).read_text())
            with np.load(self.folder / ARRAYS) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as exc:
            raise DataError(f"The training checkpoint in {self.folder} cannot be read ({exc}); "
                            "delete the folder to start afresh.") from None
        if state.get("fingerprint") != self.fingerprint:
            raise DataError(f"{self.folder} holds the checkpoint of another training run (other "
                            "model, data or options): delete it, or start this run afresh.")
        n_weights = len(model.get_weights())
        model.set_weights([arrays[f"w{i}"] for i in range(n_weights)])
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        for i, variable in enumerate(optimizer.variables):
            variable.assign(arrays[f"o{i}"])
        for i, variable in enumerate(_random_states(model)):    # absent in checkpoints before 0.4
            if f"s{i}" in arrays:
                variable.assign(arrays[f"s{i}"])
        best = [arrays[f"b{i}"] for i in range(n_weights)] if "b0" in arrays else None
        if state.get("python_random"):                          # absent in checkpoints before 0.4
            version, internal, gauss = state["python_random"]
            random.setstate((version, tuple(internal), gauss))
        return state, best

    def clear(self) -> None:
        """Remove the folder (the model it trained is saved)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _random_states(model) -> list:
    """The model's variables that are not weights: the states of its layers' random seed
    generators (dropout's), so that a resumed run draws the masks the uninterrupted one would."""
    weights = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weights]
