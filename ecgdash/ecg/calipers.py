"""Calipers: the interval between two moments of a recording, read as a clinician reads it off
ECG paper (milliseconds, the rate it would mean, millimetres at a paper speed).

    >>> reading = caliper(12.30, 13.10)
    >>> reading.ms, round(reading.bpm), reading.mm()
    (800.0, 75, 20.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

#: Standard paper speed (mm/s) and gain (mm/mV) of a 12-lead ECG.
PAPER_SPEED = 25.0
PAPER_GAIN = 10.0
#: The standard paper in words, for the pages and reports.
PAPER_WORDS = f"{PAPER_SPEED:g} mm/s, {PAPER_GAIN:g} mm/mV"


def square_words(speed_mm_s: float = PAPER_SPEED, gain_mm_mv: float = PAPER_GAIN) -> str:
    """The paper and what its small square is worth, in words.

    >>> square_words()
    '25 mm/s, 10 mm/mV: a small square is 40 ms by 0.1 mV'
    """
    return (f"{speed_mm_s:g} mm/s, {gain_mm_mv:g} mm/mV: a small square is {1000 / speed_mm_s:.0f} ms by "
            f"{1 / gain_mm_mv:g} mV")


@dataclass(frozen=True)
class Caliper:
    """The interval between two caliper points."""

    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s

    @property
    def ms(self) -> float:
        """The interval in milliseconds."""
        return round(self.seconds * 1000.0, 1)

    @property
    def bpm(self) -> float | None:
        """The heart rate (per minute) if the interval were one RR interval; None for zero."""
        return 60.0 / self.seconds if self.seconds > 0 else None

    def mm(self, speed_mm_s: float = PAPER_SPEED) -> float:
        """The interval's length on paper running at ``speed_mm_s``."""
        return round(self.seconds * speed_mm_s, 1)

    def sentence(self, speed_mm_s: float = PAPER_SPEED) -> str:
        """E.g. "800 ms (20.0 mm at 25 mm/s): as an RR interval, 75 beats per minute"."""
        words = f"{self.ms:.0f} ms ({self.mm(speed_mm_s):.1f} mm at {speed_mm_s:g} mm/s)"
        return words + (f": as an RR interval, {self.bpm:.0f} beats per minute" if self.bpm else "")


def caliper(t0: float, t1: float) -> Caliper:
    """The caliper between times ``t0`` and ``t1`` (seconds, in either order).

    Raises
    ------
    ValueError
        When a time is not a finite number.
    """
    t0, t1 = float(t0), float(t1)
    if not (math.isfinite(t0) and math.isfinite(t1)):
        raise ValueError(f"caliper points must be finite times, not {t0} and {t1}")
    return Caliper(min(t0, t1), max(t0, t1))
