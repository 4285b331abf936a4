"""Predict: upload a CSV of beats (or pick the built test split); both models score every beat."""
import numpy as np
import streamlit as st

from ecgdash.config import CLASSES
from ecgdash.dashboard import blocks, caches
from ecgdash.evaluation import seen
from ecgdash.io.examples import examples
from ecgdash.models import registry
from ecgdash.pipeline import scoring
from ecgdash.report import labels, model_figures, predictions, printable

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
                    help="Neither pair trained on DS2's people (the DS1-trained pair on DS1 only, the "
                         "robust pair on DS1 and svdb records). The Kaggle-split pair is not offered "
                         "here: it trained on 80 % of these beats.")
names = blocks.choose_pair(pair)
blocks.glossary("intra-patient", "inter-patient", "DS1 / DS2", "macro-F1", "ROC-AUC")
if choice == EXAMPLE:
    example = examples(kind="beats")
    if not example:
        st.error("The example file is missing from data/examples/ (restore it with git).")
        st.stop()
    st.caption(f"{example[0].title}, from the MIT-BIH Arrhythmia Database (PhysioNet, ODC-By 1.0); "
               "whether each model trained on them is checked row by row below.")
    key, beats = blocks.beats_from_path_or_stop(example[0].path)
    source_name = example[0].path.name
elif choice == "Upload a CSV":
    # any file type is taken, so that a recording or another file gets a message saying where it
    # belongs instead of the uploader's bare "file type not allowed"
    uploaded = st.file_uploader("CSV of beats (.csv, .csv.gz, .txt)", key="beats_upload")
    rescale = st.checkbox("Min-max scale beats that are not within [0, 1]", value=False,
                          help="The models expect each beat scaled to [0, 1] like the Kaggle rows.")
    if uploaded is None:
        st.info("Upload a file of beats to start, or pick the example. Kaggle's `mitbih_test.csv` is read "
                "as it is, but it is no test for the shipped pair: it was drawn from the same 47 people, "
                "and the page says how many of its rows each model trained on (DS2 beats, on the "
                "Beat explorer, are the fair test).")
        st.stop()
    key, beats = blocks.beats_from_upload_or_stop(uploaded, rescale=rescale)
    key, source_name = f"{key}:{rescale}", uploaded.name
else:
    built = blocks.built_split_or_none("intra" if "intra" in choice else "inter", "test")
    if built is None:
        st.stop()
    (key, beats), source_name = built, choice

def _open_cell(name: str, beats_key: str) -> None:
    """A click on a cell of ``name``'s confusion matrix: remember (model, true, called, file)."""
    points = st.session_state[f"cm_{name}"].selection.points
    if points:
        true, called = CLASSES.index(points[-1]["y"]), CLASSES.index(points[-1]["x"])
        st.session_state["open_cell"] = (name, true, called, beats_key)


meaning = "aami"
if beats.y is not None:
    meanings = list(labels.LABEL_MEANINGS)
    ambiguous = labels.labels_ambiguous(beats.y)
    meaning = st.radio("What do the labels in the file mean?", meanings, horizontal=True,
                       index=meanings.index(labels.label_meaning(source_name, beats.y)),
                       format_func=labels.LABEL_MEANINGS.get, key=f"labels_{key}")
    if ambiguous and st.session_state.get(f"labels_ok_{key}") != meaning:
        values = sorted(int(v) for v in np.unique(beats.y))
        said = ("are all 0: AAMI class N, or the PTB files' healthy person" if values == [0] else
                "are all 1: AAMI class S, or the PTB files' patient" if values == [1] else
                "are only 0 and 1: AAMI classes N and S, or the PTB files' healthy person and patient")
        st.info(f"The labels {said}? The choice above is a guess from the file's labels and name; "
                "confirm it (or change it) to see how the models did against them.")
        if st.button("Use these labels", key=f"labels_confirm_{key}"):
            st.session_state[f"labels_ok_{key}"] = meaning
            st.rerun()
        meaning = "unconfirmed"
labelled = beats if meaning == "aami" else beats.without_labels()

for warning in beats.warnings:
    st.warning(warning)
blocks.models_or_stop(names)
probas = caches.score_beats(key, beats, names)
st.session_state["current_beats"] = {"key": key, "name": source_name, "beats": labelled, "pair": pair,
                                     "meaning": meaning, "file_labels": beats.y}

table = predictions.prediction_table(labelled, probas)
agree = float(table["agree"].mean())
c1, c2, c3 = st.columns(3)
c1.metric("beats", f"{len(beats):,}")
c2.metric("models agree on", f"{agree:.1%}")
c3.metric("labels in file", "no" if beats.y is None else
          {"none": "ignored", "unconfirmed": "not confirmed"}.get(meaning, meaning.upper()))

@st.fragment
def predictions_section(table, probas, source_name: str) -> None:
    """The table and its filters: a filter change re-runs this part of the page only."""
    st.subheader("Predictions")
    f1, f2, f3 = st.columns([2, 1, 1])
    classes = f1.multiselect("Class (predicted by either model, or true)", list(CLASSES), key="filter_classes")
    disagree = f2.checkbox("Only where the models disagree", key="filter_disagree")
    low = f3.checkbox("Only low confidence", key="filter_low")
    threshold = f3.slider("below", 0.3, 1.0, predictions.LOW_CONFIDENCE, 0.05, disabled=not low)
    view = predictions.filter_table(table, classes=classes, disagree=disagree,
                                low_confidence=threshold if low else None)
    st.caption(f"{len(view):,} of {len(table):,} beats shown. Select a row to open that beat in the "
               "Beat explorer.")
    columns = {}
    for name in probas:          # shown by the models' titles; the CSV keeps the plain names
        title = registry.title(name)
        columns[f"{name}_class"] = st.column_config.TextColumn(f"{title} class")
        columns[f"{name}_correct"] = st.column_config.CheckboxColumn(f"{title} right")
        columns[f"{name}_confidence"] = st.column_config.ProgressColumn(f"{title} confidence", min_value=0,
                                                                       max_value=1, format="%.3f")
    event = st.dataframe(view, hide_index=True, height=360, column_config=columns, key="predictions_table",
                         on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event and event.selection else []
    if rows and rows[0] < len(view):
        beat = int(view["beat"].iloc[rows[0]])
        if st.button(f"Open beat {beat} in the Beat explorer", key="open_selected", type="primary"):
            blocks.open_in_explorer(beat)
    st.download_button("Download predictions (CSV)", predictions.predictions_csv(table),
                       file_name=f"predictions_{source_name.split('.')[0]}.csv", mime="text/csv")


predictions_section(table, probas, source_name)

if meaning == "ptb":
    st.subheader("PTB labels: a healthy person or a patient, not a beat class")
    st.dataframe(labels.non_normal_share(probas, beats.y), hide_index=True)
    st.info(labels.PTB_SENTENCE)
if labelled.y is not None:
    st.subheader("How well each model did on this file")
    evals = caches.evaluations(key, labelled, probas)
    cols = st.columns(len(evals))
    for col, (name, ev) in zip(cols, evals.items()):
        share = caches.seen_share(key, name, beats.X)
        with col:
            st.markdown(f"**{registry.title(name)}**")
            m1, m2 = st.columns(2)
            m1.metric("accuracy", f"{ev['accuracy']:.4f}")
            m2.metric("macro-F1", f"{ev['macro_f1']:.4f}")
            note = seen.seen_note(name, share)
            if note:
                st.warning(note)
            elif unseen := seen.unseen_note(share):
                st.caption(unseen)
            blocks.report_table(ev)
            st.plotly_chart(caches.figure(f"{key}:{caches.cards_stamp([name])}", model_figures.confusion_figure,
                                          ev["confusion"], f"{registry.title(name)}: confusion matrix",
                                          clickable=True),
                            key=f"cm_{name}", on_select=lambda name=name: _open_cell(name, key),
                            selection_mode="points")
    st.caption("Click a cell of a confusion matrix to see its beats.")
    cell = st.session_state.get("open_cell")
    if cell and cell[0] in probas and cell[3] == key:
        name, true, called = cell[0], cell[1], cell[2]
        inside = scoring.cell_beats(labelled.y, probas, name, true, called)
        st.subheader(f"True {CLASSES[true]}, called {CLASSES[called]} by the {registry.title(name)}: "
                     f"{len(inside):,} beats")
        blocks.beat_gallery(labelled, probas, inside, key="cell_gallery")


def _report() -> bytes:
    """The printable page of this run (made when the button is clicked)."""
    evaluations = caches.evaluations(key, labelled, probas) if labelled.y is not None else None
    notes = [note for name in probas
             if (note := seen.seen_note(name, caches.seen_share(key, name, beats.X)))]
    return printable.predict_report(probas, source_name=source_name, evaluations=evaluations, notes=notes,
                                    cards=caches.cards_known(probas))


st.download_button("Printable report (PDF)", data=_report, key="predict_pdf", on_click="ignore",
                   file_name=f"report_{source_name.split('.')[0]}.pdf", mime="application/pdf",
                   help="One A4 page: beats per class for each model, how often they agree, their "
                        "scores and confusion matrices against the file's labels, and their cards.")
if st.toggle("Show the beats where the models disagree", key="disagree_gallery_on"):
    blocks.beat_gallery(labelled, probas, scoring.disagreements(probas), key="disagree_gallery")
