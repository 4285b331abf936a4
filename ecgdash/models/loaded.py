"""A trained model as the store hands it out: the network, its card and its training prior.

    model = store.load_model("robust_cnn")
    model.card["evaluation"]["accuracy"]   # how it was trained and how it scored
    model.prior                            # class shares of its training beats (for adaptation)
    model.count_params()                   # anything else is the Keras network's own

Nothing rides on the Keras object itself: what ecgdash knows about a model travels beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(eq=False)
class LoadedModel:
    """A Keras network with what ecgdash knows about it.

    Attributes
    ----------
    name : str
        Its name in the store.
    network : keras.Model
        The network. Attributes and calls the dataclass does not have go to it, so a
        ``LoadedModel`` serves wherever a Keras model does (``count_params()``, ``layers``, ...).
    card : dict or None
        Its card (``store.load_card``).
    prior : ndarray or None
        The class shares of its training beats (``adapt.train_prior_of``), what label-free
        adaptation re-estimates per recording; None without a card.
    folder : Path or None
        The store folder it was loaded from (its card's files, e.g. the fingerprints of its
        training rows, are found there).
    """

    name: str
    network: object
    card: dict | None = None
    prior: np.ndarray | None = None
    folder: Path | None = None

    def __getattr__(self, attr):
        if attr in ("network", "__setstate__") or attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.network, attr)

    def __call__(self, *args, **kwargs):
        return self.network(*args, **kwargs)


def network_of(model):
    """The Keras network of a ``LoadedModel``, or ``model`` itself."""
    return model.network if isinstance(model, LoadedModel) else model


def card_of(model) -> dict | None:
    """The card a ``LoadedModel`` carries (None for a bare Keras model)."""
    return model.card if isinstance(model, LoadedModel) else None


def prior_of(model) -> np.ndarray | None:
    """The training prior a ``LoadedModel`` carries (None for a bare Keras model)."""
    return model.prior if isinstance(model, LoadedModel) else None
