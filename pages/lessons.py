"""Lessons: four ready lessons, step by step across the pages, with questions and a teacher's note."""
import streamlit as st

from ecgdash.dashboard import blocks
from ecgdash.teaching import lessons

st.title("Lessons")
minutes = sorted(lesson.minutes for lesson in lessons.LESSONS)
st.caption(f"{len(lessons.LESSONS)} ready lessons of {minutes[0]}-{minutes[-1]} minutes. Each step says which "
           "page to open, what to do there and what to ask the class; the teacher's note holds an "
           "answer guide. The numbers come from the model cards shipped with this copy.")

known = lessons.facts(blocks.available_cards(lessons.MODELS))
titles = [lessons.render(lesson.title, known) for lesson in lessons.LESSONS]
c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
pick = c1.selectbox("Lesson", range(len(titles)), format_func=titles.__getitem__, key="lesson_pick")
presenter = c2.toggle("Presenter view", key="lesson_presenter",
                      help="Larger type for a projector; the teacher's notes stay folded.")
if presenter:
    st.markdown("<style>.stMainBlockContainer p, .stMainBlockContainer li {font-size: 1.35rem;} "
                ".stMainBlockContainer h2 {font-size: 2.3rem;}</style>", unsafe_allow_html=True)
lesson = lessons.LESSONS[pick]
steps = lesson.steps
where = st.session_state.setdefault("lesson_step", {})
at = min(where.get(pick, 0), len(steps))

st.markdown(f"**Goal:** {lesson.goal} About {lesson.minutes} minutes, {len(steps)} steps.")
if at >= len(steps):
    st.success(f"End of the lesson: {titles[pick]}. Pick another lesson, or start this one again.")
    if st.button("Start again", key="lesson_restart"):
        where[pick] = 0
        st.rerun()
    st.stop()
step = steps[at]
st.progress((at + 1) / len(steps), text=f"Step {at + 1} of {len(steps)}")
st.subheader(f"{at + 1}. {step.title}")
st.markdown(f"**Do:** {lessons.render(step.do, known)}")
st.page_link(step.page, label="Open the page for this step", icon=":material/arrow_forward:")
st.info(f"**Ask the class:** {lessons.render(step.ask, known)}")
with st.expander("Teacher's note (closed: open it where the class cannot see it)", expanded=False):
    st.markdown(lessons.render(step.note, known))
b1, b2, _ = st.columns([1, 1, 4])
if b1.button("Back", disabled=at == 0, key="lesson_back"):
    where[pick] = at - 1
    st.rerun()
if b2.button("Next" if at + 1 < len(steps) else "Finish", type="primary", key="lesson_next"):
    where[pick] = at + 1
    st.rerun()
