"""Compare models: ROC curves, confusion matrices and reports side by side, from the cards."""
import pandas as pd
import streamlit as st

from ecgdash.dashboard import blocks, caches
from ecgdash.evaluation import trust
from ecgdash.evaluation.metrics import BOOTSTRAP_DRAWS
from ecgdash.evaluation.robustness import CONDITIONS_WORDS
from ecgdash.models import registry
from ecgdash.report import model_figures, tables
from ecgdash.teaching import learn

st.title("Compare the LSTM and the CNN")
st.caption("Everything here comes from the model cards in trained_models/: no data needed.")

split = st.radio("Test set", ["intra-patient (Kaggle split)", "inter-patient DS2 (new patients)"],
                 horizontal=True)
names = list(blocks.choose_pair("reference")) if split.startswith("intra") else \
    list(registry.PAIRS["inter"] + registry.PAIRS["robust"])
if not split.startswith("intra"):
    st.caption("On DS2 (22 records never used in training): the reference architectures trained on "
               "DS1 as the Kaggle pair was trained (no augmentation, no RR context), and the robust "
               "pair (DS1 and 39 svdb records, patient-wise validation, simulated recording "
               "conditions, RR context, local template).")
st.markdown(
    "**Why the numbers differ.** The Kaggle split is *intra-patient*: beats are shuffled into "
    "train and test at random, so the test set holds other beats **of the same 47 people** the "
    "model trained on, and the models score almost perfectly. The *inter-patient* split "
    "trains on the records of DS1 and tests on DS2, **people the model has never seen**, as in "
    "the clinic: a new person's normal beats can look like someone else's ectopic beats, and the "
    "rare classes (S, F) suffer most. The robust pair judges each beat against the patient's own "
    "rhythm (RR intervals) and own usual beat (the local template), which carries over to new people.")
blocks.glossary("intra-patient", "inter-patient", "DS1 / DS2", "macro-F1", "ROC-AUC", "SNR (dB)",
                "any-rate path", "adaptation")
cards = {n: c for n in names if (c := blocks.try_card(n)) is not None and c.get("evaluation")}
if not cards:
    st.stop()
if not tables.same_test_beats({n: c["evaluation"] for n, c in cards.items()}):
    st.warning("These models were not scored on the same test beats ("
               + "; ".join(f"{registry.title(n)}: {tables.scored_on(c['evaluation'])}" for n, c in cards.items())
               + "), so they are not drawn side by side: the shipped pair is shown. Score your "
               "model beside the shipped one on the same beats on the Train or Predict page.")
    cards = {n: c for n in registry.PAIRS["reference"] if (c := blocks.try_card(n)) is not None}
evals = {n: c["evaluation"] for n, c in cards.items()}
drawn = caches.cards_stamp(registry.MODELS)      # every figure here is drawn from these cards, once


st.subheader("ROC curves, one class at a time (one-vs-rest)")
log_fpr = st.toggle("Logarithmic false-positive axis (shows where good models differ)", value=True)
st.plotly_chart(caches.figure(f"{drawn}:{list(evals)}:{log_fpr}", model_figures.roc_figure, evals, log_fpr=log_fpr),
                key="roc")

st.subheader("Confusion matrices")
st.caption("Colour: the share of each true class (row), so a rare class shows as clearly as N.")
normalized = st.toggle("Show shares instead of beat counts", value=False)
for col, (name, ev) in blocks.grid(evals.items()):
    col.plotly_chart(caches.figure(f"{drawn}:{name}:{normalized}", model_figures.confusion_figure,
                                   ev["confusion"], registry.title(name), normalized), key=f"cm_{name}")

st.subheader("The reference study's report")
for col, (name, card) in blocks.grid(cards.items()):
    with col:
        st.markdown(f"**{registry.title(name)}**: {card['params']:,} parameters, "
                    f"{card['epochs_run']} epochs (best {card['best_epoch']}); "
                    f"{tables.scored_on(card['evaluation'])}")
        blocks.report_table(card["evaluation"])
st.plotly_chart(caches.figure(f"{drawn}:{list(evals)}", model_figures.per_class_figure, evals), key="f1")

st.subheader("Which is better, class by class")
st.caption("A model is called better only where the F1 difference is larger than chance: its 95 % "
           f"bootstrap interval (the test beats drawn again {BOOTSTRAP_DRAWS:,} times, class by class) does not "
           "contain zero. Otherwise: about the same. Rare classes (F: a few hundred beats) need "
           "large differences.")
compared = [tuple(evals)] if split.startswith("intra") else [
    registry.PAIRS[p] for p in ("inter", "robust") if set(registry.PAIRS[p]) <= set(evals)]
for a, b in compared:
    st.markdown(f"**{registry.title(a)} vs {registry.title(b)}**")
    st.dataframe(learn.class_winners({a: evals[a], b: evals[b]}), hide_index=True)

all_cards = blocks.available_cards(registry.MODELS)
robust_cards = {n: c for n, c in all_cards.items() if c.get("robustness")}
robustness = tables.robustness_table(robust_cards)
blocks.table_section(
    "DS2 under other recording conditions", robustness, key="robustness_bars",
    figure=caches.figure(f"{drawn}:robustness", model_figures.bars_figure, robustness, "condition",
                         ["S F1", "V F1"], where={"scored": "as trained"}, height=430)
    if len(robustness) else None,
    caption=(f"{CONDITIONS_WORDS}. The Kaggle-split pair (LSTM, CNN) "
            "trained on 80 % of these beats: its rows are optimistic by construction. *Scored*: as trained, "
            "or with each DS2 record adapted to itself (no label read)."))
databases = tables.databases_table(all_cards)
blocks.table_section(
    "New people: MIT-BIH's DS2 beside another database", databases, key="databases_bars",
    figure=caches.figure(f"{drawn}:databases", model_figures.bars_figure, databases, "database",
                         ["S F1", "V F1", "macro-F1 (N, S, V)"])
    if len(databases) else None,
    caption=("DS2: 22 MIT-BIH people none of these models trained on. svdb-dev: the MIT-BIH "
            f"Supraventricular Arrhythmia Database's {trust.OTHER_DATABASE_WORDS}, beats at "
            "their annotated positions, unadapted (`ecgdash evaluate database`). *Scored* says how: on "
            "people the model never trained on, or, for a model that trained on those records, out of "
            "fold: each record scored by a model of the same recipe that never saw it. What holds on DS2 "
            "does not all hold there."))
adaptation = tables.adaptation_table(all_cards)
blocks.table_section(
    "DS2 with and without adapting to each recording", adaptation, key="adaptation_bars",
    figure=caches.figure(f"{drawn}:adaptation", model_figures.bars_figure, adaptation, "scored", ["S F1", "V F1"])
    if len(adaptation) else None,
    caption=("Each DS2 record scored as the models were trained, and with the models adapted to that record "
            "from its unlabelled beats (the record's own share of N, S and V beats, estimated from the "
            "models' calls; no label read). The method was chosen by cross-validation on DS1 records only; "
            "it is off by default since 0.3, because on the svdb records it lowered every class "
            "(studies/beyond_mitbih)."))

rows = pd.DataFrame(tables.results_rows(all_cards))
if len(rows):
    blocks.table_section(
        "Intra-patient vs inter-patient", rows, key="results_bars",
        figure=caches.figure(f"{drawn}:results", model_figures.bars_figure, rows, "model",
                             [tables.MACRO, "S F1", "V F1"]),
        caption="Each model on its own test set (its card): the Kaggle pair on the Kaggle split's test "
                "beats (the same 47 people it trained on), the others on DS2 (22 people none of them saw).")
