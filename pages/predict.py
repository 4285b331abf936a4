"""Predict: upload a CSV of beats (or pick the built test split); both models score every beat."""
import streamlit as st

from ecgdash import figures, registry, scoring, seen
from ecgdash.config import CLASSES
from ecgdash.dashboard import blocks, caches
from ecgdash.examples import examples

st.title("Predict")
st.caption("Upload beats in the Kaggle layout (187 values per row, optional label 0..4 last; "
           "a header line, an index column and .csv.gz are fine). Both models score every beat.")

EXAMPLE = "Example: 500 test beats"
DS2 = "Built DS2 (inter-patient) test split"
choice = st.radio("Beats to score", ["Upload a CSV", EXAMPLE, "Built intra-patient test split", DS2],
                  horizontal=True)
pair = registry.BEATS_PAIR
if choice == DS2:
    # DS2 is for the models that never saw its 22 people: the Kaggle-split pair trained on 80 %
    # of its beats (0.99 accuracy there says nothing about new patients)
    pair = st.radio("Models", ["robust", "inter"], horizontal=True, key="ds2_pair",
                    format_func=registry.PAIR_TITLES.get,
                    help="Both pairs were trained on DS1 only. The Kaggle-split pair is not offered "
                         "here: it trained on 80 % of these beats.")
names = registry.PAIRS[pair]
blocks.glossary("intra-patient", "inter-patient", "DS1 / DS2", "macro-F1", "ROC-AUC")
if choice == EXAMPLE:
    example = examples(kind="beats")
    if not example:
        st.error("The example file is missing from data/examples/ (restore it with git).")
        st.stop()
    st.caption(f"{example[0].title}, from the MIT-BIH Arrhythmia Database (PhysioNet, ODC-By 1.0): "
               "beats the reference pair never saw in training.")
    key, beats = blocks.beats_from_path_or_stop(example[0].path)
    source_name = example[0].path.name
elif choice == "Upload a CSV":
    uploaded = st.file_uploader("CSV of beats", type=["csv", "gz", "txt"], key="beats_upload")
    rescale = st.checkbox("Min-max scale beats that are not within [0, 1]", value=False,
                          help="The models expect each beat scaled to [0, 1] like the Kaggle rows.")
    if uploaded is None:
        st.info("Upload a file to start, e.g. the Kaggle `mitbih_test.csv`, or pick the example.")
        st.stop()
    key, beats = blocks.beats_from_upload_or_stop(uploaded, rescale=rescale)
    source_name = uploaded.name
else:
    built = blocks.built_split_or_none("intra" if "intra" in choice else "inter", "test")
    if built is None:
        st.stop()
    (key, beats), source_name = built, choice

meaning = "aami"
if beats.y is not None:
    meanings = list(scoring.LABEL_MEANINGS)
    meaning = st.radio("What do the labels in the file mean?", meanings, horizontal=True,
                       index=meanings.index(scoring.label_meaning(source_name)),
                       format_func=scoring.LABEL_MEANINGS.get, key=f"labels_{key}")
labelled = beats if meaning == "aami" else beats.without_labels()

for warning in beats.warnings:
    st.warning(warning)
blocks.models_or_stop(names)
probas = caches.score_beats(key, beats, names)
st.session_state["current_beats"] = {"key": key, "name": source_name, "beats": labelled, "pair": pair}

table = scoring.prediction_table(labelled, probas)
agree = float(table["agree"].mean())
c1, c2, c3 = st.columns(3)
c1.metric("beats", f"{len(beats):,}")
c2.metric("models agree on", f"{agree:.1%}")
c3.metric("labels in file", "no" if beats.y is None else meaning.upper() if meaning != "none" else "ignored")

st.subheader("Predictions")
f1, f2, f3 = st.columns([2, 1, 1])
classes = f1.multiselect("Class (predicted by either model, or true)", list(CLASSES), key="filter_classes")
disagree = f2.checkbox("Only where the models disagree", key="filter_disagree")
low = f3.checkbox("Only low confidence", key="filter_low")
threshold = f3.slider("below", 0.3, 1.0, scoring.LOW_CONFIDENCE, 0.05, disabled=not low)
view = scoring.filter_table(table, classes=classes, disagree=disagree,
                            low_confidence=threshold if low else None)
st.caption(f"{len(view):,} of {len(table):,} beats shown. To look at one, open the Beat explorer "
           "and enter its beat number.")
st.dataframe(view, hide_index=True, height=360, column_config={
    f"{name}_confidence": st.column_config.ProgressColumn(f"{name} confidence", min_value=0,
                                                          max_value=1, format="%.3f")
    for name in probas})
st.download_button("Download predictions (CSV)", scoring.predictions_csv(table),
                   file_name=f"predictions_{source_name.split('.')[0]}.csv", mime="text/csv")

if meaning == "ptb":
    st.subheader("PTB labels: a healthy person or a patient, not a beat class")
    st.dataframe(scoring.non_normal_share(probas, beats.y), hide_index=True)
    st.info(scoring.PTB_SENTENCE)
if labelled.y is not None:
    st.subheader("How well each model did on this file")
    evals = scoring.metrics_per_model(labelled, probas)
    cols = st.columns(len(evals))
    built = {"Built intra-patient test split": ("intra", "test"), DS2: ("inter", "test")}.get(choice)
    for col, (name, ev) in zip(cols, evals.items()):
        share = caches.seen_share(name, *built) if built else seen.file_seen_share(name, source_name)
        with col:
            st.markdown(f"**{registry.title(name)}**")
            m1, m2 = st.columns(2)
            m1.metric("accuracy", f"{ev['accuracy']:.4f}")
            m2.metric("macro-F1", f"{ev['macro_f1']:.4f}")
            note = seen.seen_note(name, share)
            if note:
                st.warning(note)
            elif share == 0:
                st.caption("None of these beats was in its training data.")
            blocks.report_table(ev)
            st.plotly_chart(figures.confusion_figure(ev["confusion"], f"{name}: confusion matrix"),
                            key=f"cm_{name}")
