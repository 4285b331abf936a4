"""What every chart shares: one colour per class and the layout."""
from __future__ import annotations

import numpy as np

from ecgdash.config import BEAT_FS

#: One colour per class, the same on every chart (colour-blind safe, Okabe-Ito).
CLASS_COLORS = {"N": "#0072B2", "S": "#E69F00", "V": "#D55E00", "F": "#009E73", "Q": "#CC79A7"}
#: The layout every figure starts from.
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), template="plotly_white")


def beat_time(n: int = 187) -> np.ndarray:
    """Time axis of a beat in seconds (1/120 s per sample)."""
    return np.arange(n) / BEAT_FS
