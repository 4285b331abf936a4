"""The two ways beats are split into training and test data (intra- and inter-patient)."""
from __future__ import annotations

from enum import Enum

from ecgdash.errors import DataError


class Split(str, Enum):
    """How beats are split into training and test data."""

    #: The Kaggle split: beats of all 48 records drawn at random into train and test
    #: (the same people on both sides).
    INTRA = "intra"
    #: de Chazal (2004): train on the DS1 records, test on the DS2 records (new people).
    INTER = "inter"

    @property
    def train_set(self) -> str:
        return {"intra": "an intra-patient split of the 48 MIT-BIH records (Kaggle's class counts)",
                "inter": "DS1 (inter-patient)"}[self.value]

    @property
    def test_set(self) -> str:
        return {"intra": "intra-patient test", "inter": "DS2"}[self.value]

    @classmethod
    def parse(cls, value) -> "Split":
        """A split from its value (``"intra"``, ``"inter"``); a ``DataError`` otherwise."""
        try:
            return cls(value)
        except ValueError:
            raise DataError(f"Unknown split {value!r}; use one of "
                            f"{', '.join(s.value for s in cls)}.") from None
