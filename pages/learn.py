"""Learn: LSTM vs CNN with the real models, for the classroom."""
import streamlit as st

from ecgdash.config import BEAT_FS, BEAT_LEN, REFERENCE_STUDY_PARAMS
from ecgdash.dashboard import blocks, caches
from ecgdash.errors import DataError
from ecgdash.evaluation.metrics import BOOTSTRAP_DRAWS
from ecgdash.models import registry
from ecgdash.report import beat_figures, model_figures, tables
from ecgdash.teaching import learn

st.title("Learn: how an LSTM and a CNN read a heartbeat")

LSTM, CNN = registry.PAIRS["reference"]
cards = {n: c for n in (LSTM, CNN) if (c := blocks.try_card(n)) is not None}
if len(cards) < 2:
    st.stop()
lstm, cnn = cards[LSTM], cards[CNN]

st.header("1. Where the parameters are")
st.markdown(
    f"Our LSTM has **{lstm['params']:,}** parameters and our CNN **{cnn['params']:,}** "
    f"(the reference study: {REFERENCE_STUDY_PARAMS['lstm']:,} and {REFERENCE_STUDY_PARAMS['cnn']:,}). "
    "An LSTM layer reuses **the same weights at every time step**: its size depends on how many "
    "numbers it remembers (its *units*), not on how long the beat is. A CNN learns **many "
    "separate filters per layer**, stacks several layers, and its dense head sees every position "
    "of the last feature map: that is where a CNN's parameters go.")
st.plotly_chart(model_figures.params_figure({n: c["architecture"] for n, c in cards.items()}),
                key="params")

st.header("2. What each model can see at once")
try:
    fields = learn.receptive_fields(caches.get_model(CNN))
except DataError:
    fields = []
if fields:
    last = fields[-1]
    st.markdown(
        f"A convolution looks at a short window: the CNN's first layer sees **{fields[0]['samples']} "
        f"samples ({fields[0]['seconds'] * 1000:.0f} ms)** of the {BEAT_LEN}-sample beat. Each "
        "layer widens the view (*receptive field*); after the last block one feature covers "
        f"**{last['samples']} samples ({last['seconds']:.2f} s)**. The CNN finds *local shapes* "
        "(a wide QRS, a missing P wave) wherever they are, then combines them.")
    st.plotly_chart(model_figures.receptive_field_figure(fields, BEAT_LEN / BEAT_FS), key="rf")
st.markdown(
    "The LSTM reads the beat **in order**, one step at a time, and carries a memory (its state) "
    "from the first sample to the last: in principle it can relate the start of the beat to its "
    "end, e.g. how early the next beat arrives (the RR interval, key for S beats). In practice "
    "that memory fades over long sequences, which is why our LSTM first shortens the beat with "
    "two small convolutions (94 steps instead of 187) and pools its output over all steps.")

st.header("3. How fast they learn")
conv = {n: learn.epochs_to_converge(c) for n, c in cards.items()}
c1, c2 = st.columns(2)
c1.metric("LSTM: epochs to within 1 % of its best", conv[LSTM] or "–")
c2.metric("CNN: epochs to within 1 % of its best", conv[CNN] or "–")
if conv[LSTM] and conv[CNN]:
    st.markdown(f"The LSTM needed **{conv[LSTM] / conv[CNN]:.1f}×** the epochs of the CNN "
                "(the reference study saw 2.5×). A convolution's gradient reaches every filter "
                "directly; an LSTM's gradient has to travel back through every time step.")
st.plotly_chart(model_figures.history_figure(cards, "val_macro_f1", "validation macro-F1 per epoch"),
                key="hist")

st.header("4. Where each model is better, and where it only looks better")
evals = {n: c["evaluation"] for n, c in cards.items() if c.get("evaluation")}
if len(evals) == 2:
    st.dataframe(learn.class_winners(evals), hide_index=True)
    st.caption("A difference counts only when it is larger than chance: its 95 % interval (the "
               f"test beats drawn again {BOOTSTRAP_DRAWS:,} times) must not contain zero. With 162 F beats, a "
               "few beats more or less right move F1 by a few hundredths, so a small F1 gap "
               "there is \"about the same\".")
    st.plotly_chart(model_figures.per_class_figure(evals), key="f1")
    st.markdown(
        "N and Q beats are common and distinctive: both models get them right. The rare classes "
        "show the difference: **S** beats look like normal beats but arrive early, and **F** "
        "beats are half normal, half ventricular, so they need both shape and timing.")

st.header("5. Near-perfect on the Kaggle split, worse on new patients")
more = blocks.available_cards(registry.PAIRS["inter"] + registry.PAIRS["robust"])
st.dataframe(tables.results_rows({**cards, **more}), hide_index=True)
st.markdown(
    "- **The Kaggle test set is made of the same people.** Its beats were drawn at random from "
    "all 48 recordings, so for every test beat the model has seen dozens of beats of *the same "
    "person* in training. It can recognise the person's beat shapes instead of the disease.\n"
    "- **A new patient's heart looks different.** Electrode placement, heart axis, bundle branch "
    "blocks and pacemakers change the shape of *normal* beats from one person to the next. Trained "
    "on some people and tested on others (DS1 → DS2), the same architecture mistakes many normal "
    "beats for ventricular ones and misses most supraventricular beats.\n"
    "- **What carries over is relative.** A supraventricular beat looks normal but comes *early for "
    "this patient*; a ventricular beat looks *different from this patient's usual beat*. The "
    "robust pair gets both: the RR intervals divided by the patient's own average, and the local "
    "template (the median of the neighbouring beats), so it judges each beat by the patient's own "
    "standard. Training with simulated noise, other sampling rates and shifted beat starts makes "
    "it tolerate other devices and detectors.\n"
    "- **So:** the robust pair scores lower than the Kaggle pair on the Kaggle split's kind of "
    "test, but it is the one to trust on a recording from someone new.")
st.subheader("Adapting to one recording, without its labels")
st.markdown(
    "A model trained on many people has learned how common each kind of beat is *on average*: "
    "in DS1, 1.8 % of beats are S. One person may have none, another hundreds in a row. A "
    "recording holds all of one person's beats, so the robust pair can first ask: *judging by "
    "my own calls, how common are N, S and V beats in this person?*, and then weigh every "
    "borderline beat by that person's own proportions, repeating until the estimate settles "
    "(expectation-maximisation, Saerens et al. 2002). A beat that is only slightly early counts "
    "as S in a person whose rhythm is full of early beats, as N in a steady one.\n\n"
    "No label of the recording is read: only the beats, as on a new patient's ECG: what differs "
    "between people (how many ectopic beats they have) is measured on each person instead of "
    "assumed from the training people. It was chosen by cross-validation on DS1 records; whether "
    "it helps on other people is measured, not assumed. The Recordings page shows a recording "
    "before and after.")
robust = {n: c for n in registry.PAIRS["robust"] if (c := blocks.try_card(n)) is not None}
effects = [{"model": registry.title(n), **{k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}}
           for n, c in robust.items() for row in learn.adaptation_effects(c)]
if effects:
    st.dataframe(effects, hide_index=True)
    verdict = learn.adaptation_verdict(effects)
    raised, lowered = verdict["raised"], verdict["lowered"]
    st.caption("F1 of N, S and V before and after adapting each recording, from the model cards "
               "(macro: their mean). " + (f"It raised the mean for {', '.join(raised)}. " if raised else "")
               + (f"It lowered it for {', '.join(lowered)}, so the Recordings page leaves it off "
                  "unless you turn it on." if lowered else "The Recordings page leaves it off unless "
                  "you turn it on."))

st.header("6. Where each model looks, class by class")
tmpl = {n: c["class_templates"] for n, c in cards.items() if c.get("class_templates")}
if tmpl:
    cls = st.selectbox("Class", [c for c in ("N", "S", "V", "F", "Q") if all(c in t for t in tmpl.values())])
    st.plotly_chart(beat_figures.template_figure(tmpl, cls), key="templates")
    n = {name: t[cls]["n"] for name, t in tmpl.items()}
    st.caption(f"The mean {cls} beat, once per model, each sample coloured by the model's mean "
               f"integrated-gradients attribution over correctly classified {cls} beats of the test "
               f"split ({', '.join(f'{k}: {v}' for k, v in n.items())} beats): deep red samples "
               f"pushed the model most towards {cls}, blue ones away; pale ones hardly mattered. "
               "Each row is scaled to its model's strongest sample, so compare where the colour "
               "sits, not how strong it is. Turn on explanations in the Beat explorer for single beats.")
else:
    st.info("Run `python -m ecgdash evaluate lstm cnn --templates` to add the class templates "
            "to the model cards.")

st.header("7. A few clicks from a person against a network trained on many people")
curves = {n: rows for n, c in robust.items() if (rows := learn.review_curves(c))}
if curves:
    beats = {n: (c.get("train_rows") or {}).get("rows") for n, c in robust.items()}
    lstm_name = registry.PAIRS["robust"][0]
    by = {(r["set"], r["clicks"]): r for r in curves.get(lstm_name, [])}
    sets = sorted({s for s, _ in by})
    st.markdown(
        "Clinics read a long ECG by **template review**: the software groups the beats by shape and "
        "timing, a person labels each group, and every beat of a group takes that label; what the "
        "models dispute is asked next (Recordings, *Template review*). Each robust model trained on "
        + " and ".join(f"**{v:,}** beats" for v in dict.fromkeys(beats.values()) if v)
        + " of other people; the person has only this recording, but knows what they see.")
    if sets:
        s = sets[0]
        if (s, 0) in by and (s, 6) in by:
            st.markdown(f"On {s}, the robust LSTM's F1 of S beats is **{by[(s, 0)]['F1 S']:.2f}** on its own and "
                        f"**{by[(s, 6)]['F1 S']:.2f}** after 6 clicks per recording; of V beats "
                        f"{by[(s, 0)]['F1 V']:.2f} and {by[(s, 6)]['F1 V']:.2f}.")
    st.plotly_chart(model_figures.click_curve_figure(curves), key="clicks")
    entry = next(iter(robust.values())).get("review") or {}
    st.caption("From the model cards, measured with " + next(iter(entry.values()))["reader"] + ". "
               + " ".join(f"{name}: {e['protocol']}." for name, e in entry.items())
               + " The clusters are the Recordings page's (6 per recording). A real reader also "
                 "labels the exceptions inside a group, and can be wrong.")
    with st.expander("The figures"):
        st.dataframe([{"model": registry.title(n), **{k: round(v, 3) if isinstance(v, float) else v
                                                       for k, v in r.items()}}
                      for n, rows in curves.items() for r in rows], hide_index=True)
