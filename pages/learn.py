"""Learn: LSTM vs CNN with the real models, for the classroom."""
import streamlit as st

from ecgdash import figures, learn, ui
from ecgdash.config import BEAT_FS, BEAT_LEN
from ecgdash.models import REFERENCE_PARAMS

st.title("Learn: how an LSTM and a CNN read a heartbeat")

cards = {n: c for n in ("lstm", "cnn") if (c := ui.try_card(n)) is not None}
if len(cards) < 2:
    st.stop()
lstm, cnn = cards["lstm"], cards["cnn"]

st.header("1. Where the parameters are")
st.markdown(
    f"Our LSTM has **{lstm['params']:,}** parameters and our CNN **{cnn['params']:,}** "
    f"(the reference study: {REFERENCE_PARAMS['lstm']:,} and {REFERENCE_PARAMS['cnn']:,}). "
    "An LSTM layer reuses **the same weights at every time step**: its size depends on how many "
    "numbers it remembers (its *units*), not on how long the beat is. A CNN learns **many "
    "separate filters per layer**, stacks several layers, and its dense head sees every position "
    "of the last feature map: that is where a CNN's parameters go.")
st.plotly_chart(figures.params_figure({n: c["architecture"] for n, c in cards.items()}),
                key="params")

st.header("2. What each model can see at once")
try:
    fields = learn.receptive_fields(ui.cache.get_model("cnn"))
except ui.DataError:
    fields = []
if fields:
    last = fields[-1]
    st.markdown(
        f"A convolution looks at a short window: the CNN's first layer sees **{fields[0]['samples']} "
        f"samples ({fields[0]['seconds'] * 1000:.0f} ms)** of the {BEAT_LEN}-sample beat. Each "
        "layer widens the view (*receptive field*); after the last block one feature covers "
        f"**{last['samples']} samples ({last['seconds']:.2f} s)**. The CNN finds *local shapes* "
        "(a wide QRS, a missing P wave) wherever they are, then combines them.")
    st.plotly_chart(figures.receptive_field_figure(fields, BEAT_LEN / BEAT_FS), key="rf")
st.markdown(
    "The LSTM reads the beat **in order**, one step at a time, and carries a memory (its state) "
    "from the first sample to the last: in principle it can relate the start of the beat to its "
    "end, e.g. how early the next beat arrives (the RR interval, key for S beats). In practice "
    "that memory fades over long sequences, which is why our LSTM first shortens the beat with "
    "two small convolutions (94 steps instead of 187) and pools its output over all steps.")

st.header("3. How fast they learn")
conv = {n: learn.epochs_to_converge(c) for n, c in cards.items()}
c1, c2 = st.columns(2)
c1.metric("LSTM: epochs to within 1 % of its best", conv["lstm"] or "–")
c2.metric("CNN: epochs to within 1 % of its best", conv["cnn"] or "–")
if conv["lstm"] and conv["cnn"]:
    st.markdown(f"The LSTM needed **{conv['lstm'] / conv['cnn']:.1f}×** the epochs of the CNN "
                "(the reference study saw 2.5×). A convolution's gradient reaches every filter "
                "directly; an LSTM's gradient has to travel back through every time step.")
st.plotly_chart(figures.history_figure(cards, "val_macro_f1", "validation macro-F1 per epoch"),
                key="hist")

st.header("4. Where each model wins")
evals = {n: c["evaluation"] for n, c in cards.items() if c.get("evaluation")}
if len(evals) == 2:
    st.dataframe(learn.class_winners(evals), hide_index=True)
    st.plotly_chart(figures.per_class_figure(evals), key="f1")
    st.markdown(
        "N and Q beats are common and distinctive: both models get them right. The rare classes "
        "show the difference: **S** beats look like normal beats but arrive early, and **F** "
        "beats are half normal, half ventricular, so they need both shape and timing.")
