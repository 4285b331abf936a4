"""Quiz: the class guesses a beat's class before the cardiologists' label and both models speak."""
import numpy as np
import streamlit as st

from ecgdash.config import CLASS_NAMES, CLASSES
from ecgdash.dashboard import blocks, caches
from ecgdash.ecg.calipers import PAPER_WORDS
from ecgdash.errors import DataError
from ecgdash.io.examples import examples
from ecgdash.models import registry
from ecgdash.report import beat_figures
from ecgdash.teaching import quiz

st.title("Quiz: guess, then reveal")
st.caption("The class looks at a beat and answers first; then the cardiologists' label, each "
           "model's call and a sentence on why. A set code gives every screen the same beats.")

EXAMPLE = "Example: 500 test beats"
sources = [EXAMPLE, "Built DS2 test split (with each beat's timing)"]
source = st.radio("Beats", sources, horizontal=True, key="quiz_source")
if source == EXAMPLE:
    found = examples(kind="beats")
    if not found:
        st.error("The example file is missing from data/examples/ (restore it with git).")
        st.stop()
    key, beats = blocks.beats_from_path_or_stop(found[0].path)
    pair = registry.BEATS_PAIR
else:
    built = blocks.built_split_or_none("inter", "test")
    if built is None:
        st.stop()
    key, beats = built
    pair = "robust"          # DS2's people are new only to the DS1-trained models
if beats.y is None:
    st.error("These beats carry no labels: a quiz needs the cardiologists' answer.")
    st.stop()
names = blocks.choose_pair(pair)
blocks.models_or_stop(names)
probas = caches.score_beats(key, beats, names)
calls = {name: p.argmax(axis=1) for name, p in probas.items()}
titles = {name: registry.title(name) for name in names}

c1, c2, c3 = st.columns([2, 1, 2], vertical_alignment="bottom")
kind = c1.selectbox("Set", list(quiz.KINDS), format_func=quiz.KINDS.get, key="quiz_kind")
size = c2.number_input("Beats", 1, 100, 10, key="quiz_size")
typed = c3.text_input("Or a set code from your teacher", key="quiz_code_in", placeholder="e.g. M10-4821")


def start(code: str) -> None:
    """A fresh run of set ``code`` on these beats: first beat, no answers."""
    st.session_state["quiz"] = {"code": code, "key": key, "pos": 0, "answers": {}, "revealed": False}


b1, b2 = st.columns(2)
if b1.button("New set", type="primary"):
    start(quiz.set_code(kind, size, int(np.random.default_rng().integers(1, 10_000))))
if b2.button("Use the code", disabled=not typed):
    try:
        quiz.parse_code(typed)
        start(typed.strip().upper())
    except DataError as exc:
        st.error(str(exc))

state = st.session_state.get("quiz")
if not state or state["key"] != key:
    st.info("Pick a kind of set and press **New set** (or type your teacher's code).")
    st.stop()
kind, size, seed = quiz.parse_code(state["code"])
chosen = quiz.draw_set(beats.y, calls, kind, size, seed)
st.markdown(f"Set code **{state['code']}**: {quiz.KINDS[kind]}, {len(chosen)} beats "
            f"(same code, same beats, on every screen with these beats and models).")
if not len(chosen):
    st.warning("No beat of that kind here: pick another kind of set.")
    st.stop()
pos = min(state["pos"], len(chosen) - 1)
index = int(chosen[pos])

st.subheader(f"Beat {pos + 1} of {len(chosen)}")
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(caches.figure(f"{key}:{index}", beat_figures.beat_figure, beats.X[index],
                                  f"beat {index}: the row the models see"), key="quiz_beat")
    if blocks.beat_in_its_recording(beats, index, key="quiz_in_recording"):
        st.caption(f"The same beat in its recording ({PAPER_WORDS}): early or late? a P "
                   "wave in the shaded band? The other beats' marks are dotted.")
with right:
    answer = st.radio("Your class's answer", list(CLASSES), index=None, horizontal=True,
                      format_func=lambda c: f"{c} ({CLASS_NAMES[c]})", key=f"quiz_answer_{state['code']}_{pos}")
    if not state["revealed"]:
        if st.button("Reveal", disabled=answer is None, type="primary"):
            state["answers"][index] = answer
            state["revealed"] = True
            st.rerun()
        st.caption("Answer first: the label and the models' calls stay hidden until you reveal.")
    else:
        truth = CLASSES[int(beats.y[index])]
        given = state["answers"].get(index)
        (st.success if given == truth else st.warning)(   # a wrong answer is not an error
            f"The cardiologists' label: **{truth}** ({CLASS_NAMES[truth]}); you said **{given}**.")
        for name in names:
            called = CLASSES[int(calls[name][index])]
            st.markdown(f"{titles[name]}: **{called}** ({probas[name][index].max():.0%} sure)"
                        + (" ✓" if called == truth else " ✗"))
        context = beats.context[index] if beats.context is not None else None
        st.info(quiz.why(truth, context))
        if pos + 1 < len(chosen) and st.button("Next beat", type="primary"):
            state.update(pos=pos + 1, revealed=False)
            st.rerun()
        elif pos + 1 >= len(chosen):
            st.success("That was the last beat of the set.")

if state["answers"]:
    st.subheader("Score: the class against the models")
    table = quiz.score_table(state["answers"], beats.y, calls, titles)
    st.dataframe(table, hide_index=True)
