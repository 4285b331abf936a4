"""The twelve standard leads: their names, and the four limb leads computed from I and II.

Einthoven's and Goldberger's relations hold for any recording of the limb leads: III = II - I,
aVR = -(I + II) / 2, aVL = I - II / 2, aVF = II - I / 2. A cart that keeps 8 leads (I, II,
V1-V6; GE MUSE does) stores the other four only as these sums.

    >>> import numpy as np
    >>> derived = limb_leads(np.array([1.0]), np.array([2.0]))
    >>> {k: float(v[0]) for k, v in derived.items()}
    {'III': 1.0, 'aVR': -1.5, 'aVL': 0.0, 'aVF': 1.5}
"""
from __future__ import annotations

import numpy as np

from ecgdash.io.recording import lead_key

#: The twelve leads in the order carts print them.
TWELVE = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
#: The leads computed from I and II.
DERIVED = ("III", "aVR", "aVL", "aVF")


def limb_leads(lead_i: np.ndarray, lead_ii: np.ndarray) -> dict[str, np.ndarray]:
    """III, aVR, aVL and aVF from leads I and II (same units, same samples)."""
    lead_i, lead_ii = np.asarray(lead_i, dtype=np.float64), np.asarray(lead_ii, dtype=np.float64)
    return {"III": lead_ii - lead_i, "aVR": -(lead_i + lead_ii) / 2, "aVL": lead_i - lead_ii / 2,
            "aVF": lead_ii - lead_i / 2}


def standard_names(leads) -> dict[str, str]:
    """Which of ``leads`` (names as a file gives them) is each standard lead it has:
    ``{standard name: the file's name}``, names compared loosely ("AVR", "lead_V1", "ECG II").

    >>> standard_names(["ECG I", "II", "AVR", "v1", "Pleth"])
    {'I': 'ECG I', 'II': 'II', 'aVR': 'AVR', 'V1': 'v1'}
    """
    keys = {lead_key(standard): standard for standard in TWELVE}
    found: dict[str, str] = {}
    for name in leads:
        standard = keys.get(lead_key(name))
        if standard and standard not in found:
            found[standard] = name
    return {s: found[s] for s in TWELVE if s in found}


def has_twelve(leads) -> bool:
    """Whether ``leads`` hold all twelve standard leads.

    >>> has_twelve(["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"])
    True
    >>> has_twelve(["MLII", "V5"])
    False
    """
    return len(standard_names(leads)) == len(TWELVE)
