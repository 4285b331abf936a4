"""Lessons: every number they quote comes from a shipped card, every step names a real page."""
from __future__ import annotations

import string

from conftest import ROOT
from ecgdash.models import store
from ecgdash.teaching import lessons


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_fact_a_lesson_quotes_is_in_the_shipped_cards():
    known = lessons.facts({name: store.load_card(name) for name in lessons.MODELS})
    for lesson in lessons.LESSONS:
        texts = [lesson.title] + [t for s in lesson.steps for t in (s.do, s.ask, s.note)]
        for text in texts:
            assert _fields(text) <= set(known), _fields(text) - set(known)
            assert lessons.MISSING not in lessons.render(text, known)
    # and the numbers are the cards' own
    card = store.load_card("cnn_inter")
    assert abs(float(known["cnn_inter_accuracy"]) - card["evaluation"]["accuracy"]) <= 0.0005


def test_every_step_opens_a_page_that_exists():
    assert len(lessons.LESSONS) == 4
    for lesson in lessons.LESSONS:
        assert 3 <= len(lesson.steps) <= 8
        for step in lesson.steps:
            assert (ROOT / step.page).is_file()
