"""Quiz sets: codes that give a class the same beats, each kind of set, the score, why."""
from __future__ import annotations

import numpy as np
import pytest

from ecgdash.errors import DataError
from ecgdash.teaching import quiz

Y = np.array([0] * 40 + [1] * 6 + [2] * 8 + [3] * 2 + [4] * 4)
RNG = np.random.default_rng(0)
CALLS = {"lstm": np.where(RNG.random(60) < 0.7, Y, 0), "cnn": np.where(RNG.random(60) < 0.8, Y, 1)}


def test_a_code_draws_the_same_set_and_another_seed_another():
    kind, size, seed = quiz.parse_code(quiz.set_code("M", 12, 4821))
    a = quiz.draw_set(Y, CALLS, kind, size, seed)
    assert np.array_equal(a, quiz.draw_set(Y, CALLS, *quiz.parse_code(" m12 - 4821 ")))
    assert not np.array_equal(a, quiz.draw_set(Y, CALLS, "M", 12, 4822))
    assert len(set(a.tolist())) == 12


def test_each_kind_holds_only_its_beats():
    mixed = quiz.draw_set(Y, CALLS, "M", 10, 1)
    assert set(Y[mixed]) == {0, 1, 2, 3, 4}                       # rare classes are in a mix
    disagree = quiz.draw_set(Y, CALLS, "D", 100, 1)
    assert len(disagree) == int((CALLS["lstm"] != CALLS["cnn"]).sum())
    hard = quiz.draw_set(Y, CALLS, "H", 100, 1)
    assert all(CALLS["lstm"][i] != Y[i] and CALLS["cnn"][i] != Y[i] for i in hard)
    assert set(Y[quiz.draw_set(Y, CALLS, "S", 100, 1)]) == {1}
    assert len(quiz.draw_set(Y, CALLS, "F", 100, 1)) == 2          # all of them when fewer


@pytest.mark.parametrize("code", ["", "X10-1", "M0-3", "M10", "M10-", "10-3", "M101-3"])
def test_a_wrong_code_is_a_clear_message(code):
    with pytest.raises(DataError, match="not a set code"):
        quiz.parse_code(code)


def test_the_score_counts_right_answers_per_class():
    answers = {0: "N", 40: "N", 41: "S"}                           # beat 40 is S: the class missed it
    table = quiz.score_table(answers, Y, CALLS, {"lstm": "LSTM", "cnn": "CNN"}).set_index("class")
    assert table.loc["N", "beats"] == 1 and table.loc["S", "beats"] == 2
    assert table.loc["S", "class (students)"] == 1 and table.loc["all", "class (students)"] == 2
    assert table.loc["all", "LSTM"] == sum(int(CALLS["lstm"][i] == Y[i]) for i in answers)


def test_why_says_how_early_a_beat_came_only_when_its_timing_is_known():
    early = quiz.why("S", np.array([0.48, 1.1, 0.6, 1.4, 0.6, 2.3]))
    assert "came early: 480 ms" in early and "60%" in early
    assert "on time" in quiz.why("N", np.array([0.8, 0.8, 1.0, 1.0, 1.0, 1.0]))
    assert "no timing" in quiz.why("S") and "ms" not in quiz.why("S")


def test_a_mixed_set_never_gives_its_order_away():
    """Issue 33: "a mix of every class" dealt N, S, V, F, Q in that order in every set. The order
    now comes from the code: the same for every student, sorted by class for hardly any code."""
    orders = [Y[quiz.draw_set(Y, CALLS, "M", 5, seed)].tolist() for seed in range(40)]
    assert sum(o == [0, 1, 2, 3, 4] for o in orders) <= 2                 # by chance: 40/120 at most
    assert len({tuple(o) for o in orders}) >= 20
    tens = [Y[quiz.draw_set(Y, CALLS, "M", 10, seed)].tolist() for seed in range(20)]
    assert all(sorted(t) == sorted(tens[0]) for t in tens)                # two of each class...
    assert sum(t[:5] == [0, 1, 2, 3, 4] for t in tens) <= 1                # ...not dealt in turn
    assert np.array_equal(quiz.draw_set(Y, CALLS, "M", 10, 7), quiz.draw_set(Y, CALLS, "M", 10, 7))
