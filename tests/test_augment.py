"""Simulated recording conditions: shapes, ranges, seeding, SNR."""
from __future__ import annotations

import numpy as np
import pytest

from ecgdash.ecg.augment import add_noise, resample, scale_polarity
from ecgdash.ecg.cutting import cut_beats
from ecgdash.io.uploads import read_recording


@pytest.fixture(scope="module")
def record(records):
    rec = read_recording(records / "119")
    n = 360 * 60
    return rec.signals[:n], rec.ann_sample[rec.ann_sample < n]


@pytest.mark.parametrize("kinds", [("baseline",), ("muscle",), ("motion",), ("baseline", "muscle", "motion")])
def test_noise_keeps_shape_is_seeded_and_has_the_snr(record, kinds):
    x, _ = record
    a = add_noise(x, 360, 12, np.random.default_rng(1), kinds)
    b = add_noise(x, 360, 12, np.random.default_rng(1), kinds)
    c = add_noise(x, 360, 12, np.random.default_rng(2), kinds)
    assert a.shape == x.shape and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    for lead in range(x.shape[1]):
        noise = a[:, lead] - x[:, lead]
        snr = 10 * np.log10(np.var(x[:, lead]) / np.var(noise))
        assert snr == pytest.approx(12, abs=0.2)


def test_beats_cut_from_augmented_signals_keep_the_format(record):
    x, marks = record
    rng = np.random.default_rng(0)
    for signal, fs in ((add_noise(x[:, 0], 360, 6, rng), 360.0),
                       (scale_polarity(x[:, 0], rng, invert_p=1.0), 360.0),
                       (resample(x[:, 0], 360, 128), 128.0)):
        m = np.round(marks * fs / 360).astype(int)
        rows = cut_beats(signal, fs, m, np.arange(len(m) - 1))
        assert rows.shape == (len(m) - 1, 187) and rows.dtype == np.float32
        assert rows.min() >= 0.0 and rows.max() <= 1.0


def test_resample_length_and_polarity():
    x = np.sin(np.linspace(0, 20, 3600))
    assert len(resample(x, 360, 128)) == 1280 and len(resample(x, 360, 250)) == 2500
    flipped = scale_polarity(x, np.random.default_rng(0), gain=(1, 1), invert_p=1.0)
    np.testing.assert_allclose(flipped, -x)
