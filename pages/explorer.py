"""Beat explorer: one beat's waveform and both models' answers; overlays and class bands."""
import numpy as np
import streamlit as st

from ecgdash.config import CLASS_NAMES, CLASSES
from ecgdash.dashboard import blocks, caches
from ecgdash.ecg import whatif
from ecgdash.ecg.calipers import PAPER_WORDS
from ecgdash.models import registry
from ecgdash.models.explain import IG_STEPS
from ecgdash.pipeline import scoring
from ecgdash.report import beat_figures

st.title("Beat explorer")

sources = {}
current = st.session_state.get("current_beats")
if current:
    sources[f"Scored on Predict: {current['name']}"] = (current["key"], current["beats"])
options = list(sources) + ["Built intra-patient test split", "Built DS2 test split"]
choice = st.selectbox("Beats", options)
if choice in sources:
    key, beats = sources[choice]
    pair = current.get("pair", registry.BEATS_PAIR)
else:
    built = blocks.built_split_or_none("intra" if "intra" in choice else "inter", "test")
    if built is None:
        st.info("Or score an upload (or the example) on the Predict page first: its beats appear here.")
        st.stop()
    key, beats = built
    # DS2's people are new only to the DS1-trained models (the Kaggle pair trained on 80 % of them)
    pair = "robust" if "DS2" in choice else registry.BEATS_PAIR
st.caption(f"Models: {registry.PAIR_TITLES[pair]}.")

names = blocks.choose_pair(pair)
blocks.models_or_stop(names)
probas = caches.score_beats(key, beats, names)
pred = {name: p.argmax(axis=1) for name, p in probas.items()}
lstm, cnn = names
disagree = scoring.disagreements(probas)

st.subheader("One beat")
c1, c2 = st.columns([1, 2])
with c1:
    mode = st.radio("Pick", ["by number", "where the models disagree"], horizontal=False, key="explorer_mode")
    if mode == "by number" or not len(disagree):
        if mode != "by number":
            st.info("The models agree on every beat here.")
        if st.session_state.get("beat_index", 0) >= len(beats):     # opened from other beats
            st.session_state["beat_index"] = 0
        index = st.number_input(f"beat number (0 – {len(beats) - 1})", 0, len(beats) - 1,
                                step=1, key="beat_index")
    else:
        pos = st.number_input(f"disagreement (1 – {len(disagree)})", 1, len(disagree), 1, 1)
        index = int(disagree[pos - 1])
    index = int(index)
    true = CLASSES[beats.y[index]] if beats.y is not None else None
    file_labels = current.get("file_labels") if current and choice in sources else None
    meaning = current.get("meaning") if current and choice in sources else None
    if true:
        said = f" · true class **{true}** ({CLASS_NAMES[true]})"
    elif file_labels is not None and meaning == "ptb":
        said = (f" · the file's label: **{'a patient' if file_labels[index] == 1 else 'a healthy person'}** "
                f"(PTB's {int(file_labels[index])}: the person, not the beat's class)")
    elif file_labels is not None:
        said = f" · the file's label {int(file_labels[index])} was not used (confirm what it means on Predict)"
    else:
        said = " · no label in the file"
    st.markdown(f"**Beat {index}**" + said)
    for name in probas:
        c = CLASSES[pred[name][index]]
        mark = "" if true is None else (" ✓" if c == true else " ✗")
        st.markdown(f"{registry.title(name)}: **{c}** ({probas[name][index].max():.1%}){mark}")
    if beats.record is not None:
        st.caption(f"record {beats.record[index]}, sample {beats.sample[index]:,}")
with c2:
    st.plotly_chart(caches.figure(f"{key}:{index}", beat_figures.beat_figure, beats.X[index],
                                  f"beat {index}: the row the models see"), key="beat")
    st.plotly_chart(beat_figures.proba_bars({n: p[index] for n, p in probas.items()}, true), key="bars")
if blocks.beat_in_its_recording(beats, index, key="beat_in_recording"):
    st.caption("As a clinician sees it: the recording centred on the beat's mark (R peak), "
               f"on ECG paper ({PAPER_WORDS}), the other beats' marks dotted. The shaded band is where "
               "a beat's own P wave usually lies; the row the models see starts at the mark, so holds "
               "none of it (the robust models read the timing instead).")



@st.fragment
def what_if_lab(beats, key: str, index: int, names, probas) -> None:
    """Change the beat; both models score the changed beat at once (only this part re-runs)."""
    has_rr = beats.context is not None
    c1, c2, c3 = st.columns(3)
    before = c1.slider("RR before (x its own)", 0.5, 1.5, 1.0, 0.05, disabled=not has_rr, key="wi_before",
                       help="Below 1 the beat comes earlier after the one before it. The local and "
                            "record mean RR stay as they were.")
    after = c1.slider("RR after (x its own)", 0.5, 2.0, 1.0, 0.05, disabled=not has_rr, key="wi_after",
                      help="Above 1: a longer pause after it (as after many early beats).")
    qrs = c2.slider("QRS width (x)", 0.5, 2.5, 1.0, 0.1, key="wi_qrs",
                    help=f"Stretches the first {whatif.QRS_S * 1000:.0f} ms after the mark (the QRS); "
                         "the rest of the beat moves along.")
    amplitude = c2.slider("Amplitude (x)", 0.25, 4.0, 1.0, 0.25, key="wi_amp")
    flip = c2.toggle("Flip it (upside down)", key="wi_flip")
    no_p = c3.toggle("Take away the P wave", key="wi_no_p",
                     help="The P wave in the row: the next beat's, just before its mark near the row's "
                          "end (a row starts at this beat's mark, so its own P wave is not in it).")
    wander = c3.slider("Baseline wander", 0.0, 1.0, 0.0, 0.1, key="wi_wander",
                       help="A slow swing, as breathing or moving electrodes make, in beat heights.")
    noise = c3.slider("Muscle noise", 0.0, 0.3, 0.0, 0.02, key="wi_noise",
                      help="Fast random noise, as muscle activity makes, in beat heights.")
    changed = whatif.what_if(beats, index, rr_before=before, rr_after=after, qrs=qrs,
                             amplitude=amplitude, flip=flip, wander=wander, noise=noise, no_p=no_p)
    now = scoring.score({n: caches.get_model(n) for n in names}, changed)
    left, right = st.columns(2)
    left.plotly_chart(beat_figures.whatif_figure(beats.X[index], changed.X[0]), key="wi_beat")
    right.plotly_chart(beat_figures.proba_bars({n: p[0] for n, p in now.items()}), key="wi_bars")
    for name in names:
        was, is_now = probas[name][index], now[name][0]
        a, b = CLASSES[int(was.argmax())], CLASSES[int(is_now.argmax())]
        right.markdown(f"{registry.title(name)}: **{a}** {was.max():.1%} → **{b}** {is_now.max():.1%}"
                       + (" (changed its call)" if a != b else ""))
    st.caption("Each changed beat is min-max scaled again, as every beat is when it is cut: so "
               "amplitude alone changes nothing a model sees. "
               + ("The RR sliders change only the timing the robust models read; the local template "
                  "(this person's usual beat) stays as it was." if has_rr else
                  "These beats carry no timing (Kaggle rows): the RR sliders are off, and the "
                  "Kaggle-split pair never reads timing anyway. Pick the built DS2 split to move a "
                  "beat in time for the robust pair."))
    if st.toggle("How each model's explanation changes", key="wi_explain",
                 help="Integrated gradients of the beat as it was and as changed, each towards the "
                      "model's own call on it (about a second more per change)."):
        was = caches.explain_beat(key, beats, index, names=names)
        settings = (before, after, qrs, amplitude, flip, wander, noise, no_p)
        now_maps = caches.explain_beat(f"{key}:{index}:what-if {settings}", changed, 0, names=names)
        st.plotly_chart(beat_figures.attribution_figure(
            beats.X[index], was, "the beat as it was", classes={n: CLASSES[int(probas[n][index].argmax())] for n in names}),
            key="wi_explain_was")
        st.plotly_chart(beat_figures.attribution_figure(
            changed.X[0], now_maps, "the beat as changed", classes={n: CLASSES[int(now[n][0].argmax())] for n in names}),
            key="wi_explain_now")
        st.caption("Red: samples that pushed the model towards the class above its panel; blue: away. "
                   "A change the explanation follows (the red moves with the QRS you widened) is one "
                   "the model reads; timing changes move no colour here, since only the beat's samples "
                   "are attributed.")


st.subheader("What if? Change this beat")
what_if_lab(beats, key, index, names, probas)

st.subheader("Why? Explanations")
if st.toggle("Explain this beat", key="explain_on",
             help=f"Integrated gradients (baseline: the all-zero beat, {IG_STEPS} steps): which samples "
                  "pushed each model towards the class. Grad-CAM: where the CNN's last "
                  "convolution looked."):
    e1, e2 = st.columns(2)
    target = e1.selectbox("Explain class", ["each model's own call"] + list(CLASSES), key="explain_target",
                          help="One class for both models asks them the same question; "
                               "'own call' explains each model's predicted class.")
    method = e2.radio("Method", ["ig", "gradcam"], horizontal=True, key="explain_method",
                      format_func={"ig": "integrated gradients (both models)",
                                   "gradcam": "Grad-CAM (CNN)"}.get)
    tgt = None if target not in CLASSES else target
    shown = names if method == "ig" else (cnn,)
    maps = caches.explain_beat(key, beats, index, names=shown, target=tgt, method=method)
    explained = {n: tgt or CLASSES[pred[n][index]] for n in shown}
    if tgt is None and len(set(explained.values())) > 1:
        st.info("The two panels explain **different classes** ("
                + ", ".join(f"{registry.title(n)}: {c}" for n, c in explained.items())
                + "), each model's own call. Pick one class above to ask both the same question.")
    heading = (f"beat {index}: each model's own call" if tgt is None else f"beat {index}: class {tgt} for both")
    st.plotly_chart(beat_figures.attribution_figure(beats.X[index], maps, heading, signed=method == "ig",
                                               classes=explained), key="explain_fig")
    if method == "ig":
        st.caption("Red samples pushed the model towards the class named above its panel, blue ones "
                   "away from it, white ones hardly mattered; a model's colours add up to its "
                   "probability of that class minus its probability for a flat line. The CNN tends "
                   "to light up local shapes (the QRS, the T wave); the LSTM spreads its attribution "
                   "over the beat. Grey band: the zero padding that fills the row to 187 samples; "
                   "it is not signal and is not coloured.")
    else:
        st.caption("Grad-CAM: where the CNN's last convolution looked for the class named above the "
                   "panel, from dark purple (not at all) to yellow (most). It has no sign: it does "
                   "not say whether a sample pushed towards the class or away. Grey band: zero padding, "
                   "not signal.")

st.subheader("Many beats of one class")
labels = beats.y if beats.y is not None else pred[cnn]
drawn = f"{key}:" + ("labels" if beats.y is not None else caches.cards_stamp([cnn]))   # what the bands show
st.caption("Grouped by the true label" if beats.y is not None else
           "No labels in the file: grouped by the CNN's prediction")
present = [c for i, c in enumerate(CLASSES) if np.any(labels == i)]
o1, o2 = st.columns([1, 3])
cls = o1.selectbox("Class", present)
count = o1.slider("Single beats to draw", 0, 100, 20, 5,
                  help="The band is the middle 80 % of all the class's beats; the black line their median.")
o2.plotly_chart(caches.figure(f"{drawn}:{cls}:{count}", beat_figures.overlay_figure,
                              beats.X[labels == CLASSES.index(cls)], cls, count), key="overlay")
shown = st.multiselect("Classes side by side", present, default=present)
st.plotly_chart(caches.figure(f"{drawn}:{','.join(shown)}", beat_figures.band_figure, beats.X, labels, shown),
                key="bands")
