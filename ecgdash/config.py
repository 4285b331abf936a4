"""Constants shared by every stage, and where files live."""
from __future__ import annotations

import os
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


def data_dir() -> Path:
    """Where generated data lives (``data/``; override with ``ECGDASH_DATA_DIR``)."""
    return Path(os.environ.get("ECGDASH_DATA_DIR", ROOT / "data"))


def examples_dir() -> Path:
    """The example files shipped with the repository (``data/examples``; see its README)."""
    return ROOT / "data" / "examples"


def models_dir() -> Path:
    """Where trained models and their cards live (override with ``ECGDASH_MODELS_DIR``)."""
    return Path(os.environ.get("ECGDASH_MODELS_DIR", ROOT / "trained_models"))
