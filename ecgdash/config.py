"""Constants shared by every stage, and where files live."""
from __future__ import annotations

import os
import sys
from pathlib import Path

#: The five AAMI classes, in label order (0..4), as in the Kaggle files.
CLASSES = ("N", "S", "V", "F", "Q")
CLASS_NAMES = {
    "N": "Normal / bundle branch block",
    "S": "Supraventricular ectopic",
    "V": "Ventricular ectopic",
    "F": "Fusion of ventricular and normal",
    "Q": "Paced / unclassifiable",
}
N_CLASSES = len(CLASSES)

#: Samples per beat and the beat sampling rate of the Kaggle format (every 3rd sample at 360 Hz).
BEAT_LEN = 187
BEAT_FS = 120.0

#: MIT-BIH annotation symbol -> AAMI class index. Any other symbol is not a beat.
AAMI_MAP = {
    **dict.fromkeys("NLRej", 0),
    **dict.fromkeys("AaJS", 1),
    **dict.fromkeys("VE", 2),
    "F": 3,
    **dict.fromkeys("/fQ", 4),
}

#: Inter-patient protocol (de Chazal 2004); paced records 102, 104, 107, 217 are left out.
DS1 = ("101 106 108 109 112 114 115 116 118 119 122 124 "
       "201 203 205 207 208 209 215 220 223 230").split()
DS2 = ("100 103 105 111 113 117 121 123 200 202 210 212 "
       "213 214 219 221 222 228 231 232 233 234").split()
PACED = ("102", "104", "107", "217")

#: Per-class test counts of the Kaggle intra-patient split (the reference study's supports).
KAGGLE_TEST_COUNTS = (18118, 556, 1448, 162, 1608)
KAGGLE_TRAIN_COUNTS = (72471, 2223, 5788, 641, 6431)

#: Parameters of the reference study's models.
REFERENCE_STUDY_PARAMS = {"lstm": 19_397, "cnn": 384_453}

SEED = 42

ROOT = Path(__file__).resolve().parent.parent
#: Run from a checkout (the repository's top level holds ``pyproject.toml``), or installed.
IN_CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "trained_models").is_dir()


def _installed_share() -> Path:
    """Where ``pip install`` put the shipped models and examples (the wheel's data files:
    ``<prefix>/share/ecgdash``; with ``pip install --target DIR``, ``DIR/share/ecgdash``)."""
    for prefix in (Path(sys.prefix), ROOT):
        if (prefix / "share" / "ecgdash").is_dir():
            return prefix / "share" / "ecgdash"
    return Path(sys.prefix) / "share" / "ecgdash"


def data_dir() -> Path:
    """Where generated data lives: ``ECGDASH_DATA_DIR``, else ``data/`` of the checkout, else
    (installed) ``~/.local/share/ecgdash`` (``XDG_DATA_HOME``)."""
    if os.environ.get("ECGDASH_DATA_DIR"):
        return Path(os.environ["ECGDASH_DATA_DIR"])
    if IN_CHECKOUT:
        return ROOT / "data"
    home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(home) / "ecgdash"


def examples_dir() -> Path:
    """The example files that ship with ecgdash (``data/examples`` of the checkout, or the
    installed copy; see its README)."""
    return ROOT / "data" / "examples" if IN_CHECKOUT else _installed_share() / "examples"


def models_dir() -> Path:
    """The shipped models and their cards (``trained_models/`` of the checkout, or the installed
    copy; override with ``ECGDASH_MODELS_DIR``)."""
    if os.environ.get("ECGDASH_MODELS_DIR"):
        return Path(os.environ["ECGDASH_MODELS_DIR"])
    return ROOT / "trained_models" if IN_CHECKOUT else _installed_share() / "trained_models"


def tf_threads() -> int | None:
    """TensorFlow's thread count for a server (``ECGDASH_TF_THREADS``, a whole number >= 1), or
    None for TensorFlow's default (one pool of as many threads as cores, shared by every
    session of the process: several sessions scoring at once take turns in it rather than
    oversubscribing the cores). Set it lower when the server shares its machine with other
    work. Anything else than a positive whole number is ignored (None).

    Examples
    --------
    >>> import os
    >>> os.environ["ECGDASH_TF_THREADS"] = "2"; tf_threads()
    2
    >>> os.environ["ECGDASH_TF_THREADS"] = "all"; tf_threads() is None
    True
    >>> del os.environ["ECGDASH_TF_THREADS"]
    """
    value = os.environ.get("ECGDASH_TF_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def classroom() -> bool:
    """Whether this server is shared by a class (``ECGDASH_CLASSROOM=1``): then the dashboard
    writes nothing to disk on a user's behalf (no kept models, no data builds) and reads no
    server-side folder a user names; uploads and training in memory still work."""
    return os.environ.get("ECGDASH_CLASSROOM", "").strip().lower() in {"1", "true", "yes", "on"}
