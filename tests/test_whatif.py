"""The What-if lab's changes: each does what its name says and nothing else."""
from __future__ import annotations

import numpy as np
import pytest

from ecgdash.beats import Beats, signal_length
from ecgdash.ecg import whatif
from ecgdash.ecg.context import RR_FEATURES

ROW = np.r_[np.exp(-np.arange(30) / 4.0), 0.2 + 0.1 * np.sin(np.arange(90) / 9), np.zeros(67)].astype(np.float32)


def test_amplitude_alone_changes_nothing_a_model_sees_and_a_flip_turns_it_over():
    base = whatif.what_if_row(ROW)
    assert np.allclose(whatif.what_if_row(ROW, amplitude=3.0), base, atol=1e-6)
    end = signal_length(ROW)
    assert np.allclose(whatif.what_if_row(ROW, flip=True)[:end], 1 - base[:end], atol=1e-6)
    assert (whatif.what_if_row(ROW, flip=True)[end:] == 0).all()          # the padding stays padding


def test_a_wider_qrs_takes_longer_to_come_down():
    def width(x):        # samples until the first fall below half height
        return int(np.argmax(x < 0.5))
    assert width(whatif.what_if_row(ROW, qrs=2.0)) >= 2 * width(whatif.what_if_row(ROW)) - 1
    assert width(whatif.what_if_row(ROW, qrs=0.5)) < width(whatif.what_if_row(ROW))


@pytest.mark.parametrize("change", [dict(wander=0.5), dict(noise=0.1)])
def test_noise_and_wander_change_the_beat_but_keep_the_layout(change):
    y = whatif.what_if_row(ROW, **change)
    assert y.shape == ROW.shape and 0 <= y.min() and y.max() <= 1
    assert not np.allclose(y, whatif.what_if_row(ROW))
    assert signal_length(y) == signal_length(ROW)


def test_an_earlier_beat_has_a_shorter_rr_before_against_the_same_rhythm():
    context = np.array([0.8, 0.8, 1.0, 1.0, 1.0, 1.0, 0.05], dtype=np.float32)
    early = whatif.change_rr(context, before=0.6, after=1.5)
    assert len(RR_FEATURES) == len(early)
    assert early[6] == pytest.approx(0.05)                # the rhythm around it stays as it was
    assert early[0] == pytest.approx(0.48) and early[2] == pytest.approx(0.6) and early[4] == pytest.approx(0.6)
    assert early[1] == pytest.approx(1.2) and early[3] == pytest.approx(1.5)
    assert early[5] == pytest.approx(2.5)                 # the compensatory pause after it


def test_what_if_changes_one_beat_and_leaves_the_others_and_the_template():
    beats = Beats(X=np.stack([ROW, ROW]), y=np.array([0, 1]), context=np.ones((2, 6), np.float32),
                  template=np.stack([ROW, ROW]))
    one = whatif.what_if(beats, 1, rr_before=0.5, qrs=1.5)
    assert len(one) == 1 and one.y.tolist() == [1]
    assert one.context[0, 0] == pytest.approx(0.5) and np.array_equal(one.template[0], ROW)
    assert np.array_equal(beats.X[1], ROW) and beats.context[1, 0] == 1.0   # the source untouched


def test_taking_away_the_p_wave_flattens_only_the_stretch_before_the_next_mark(records):
    """On a real beat cut from a record: the row's P wave (the next beat's, 250-50 ms before
    its mark at the RR after) becomes a straight line; the QRS at the start stays as it was."""
    from ecgdash.config import BEAT_FS
    from ecgdash.ecg.cutting import beats_from_record

    beats = beats_from_record(records / "119")
    index = int(np.flatnonzero(beats.y == 0)[5])
    changed = whatif.what_if(beats, index, no_p=True)
    next_mark = float(beats.context[index, 1])
    a, b = int(round((next_mark - 0.25) * BEAT_FS)), int(round((next_mark - 0.05) * BEAT_FS))
    row, new = beats.X[index].astype(float), changed.X[0].astype(float)
    # the min-max scale can change when the P wave was the row's lowest or highest point; compare shapes
    span = lambda x: (x - x[:a].min()) / np.ptp(x[:a])             # noqa: E731
    np.testing.assert_allclose(span(new)[:a], span(row)[:a], atol=1e-5)
    straight = np.linspace(new[a], new[b], b - a + 1)
    np.testing.assert_allclose(new[a:b + 1], straight, atol=1e-5)
    assert np.abs(row[a:b + 1] - np.linspace(row[a], row[b], b - a + 1)).max() > 0.02   # there was a P wave
