"""Compare models: ROC curves, confusion matrices and reports side by side, from the cards."""
import streamlit as st

from ecgdash import figures, scoring, ui

st.title("Compare the LSTM and the CNN")
st.caption("Everything here comes from the model cards in trained_models/: no data needed.")

split = st.radio("Test set", ["intra-patient (Kaggle split)", "inter-patient (DS1 → DS2)"],
                 horizontal=True)
names = ["lstm", "cnn"] if split.startswith("intra") else ["lstm_inter", "cnn_inter"]
cards = {n: c for n in names if (c := ui.try_card(n)) is not None and c.get("evaluation")}
if not cards:
    st.stop()
evals = {n: c["evaluation"] for n, c in cards.items()}

st.subheader("ROC curves, one class at a time (one-vs-rest)")
log_fpr = st.toggle("Logarithmic false-positive axis (shows where good models differ)", value=True)
st.plotly_chart(figures.roc_figure(evals, log_fpr=log_fpr), key="roc")

st.subheader("Confusion matrices")
normalized = st.toggle("Row-normalised (share of each true class)", value=False)
for col, (name, ev) in zip(st.columns(len(evals)), evals.items()):
    col.plotly_chart(figures.confusion_figure(ev["confusion"], ui.title_of(name), normalized),
                     key=f"cm_{name}")

st.subheader("The reference study's report")
for col, (name, card) in zip(st.columns(len(cards)), cards.items()):
    with col:
        st.markdown(f"**{ui.title_of(name)}**: {card['params']:,} parameters, "
                    f"{card['epochs_run']} epochs (best {card['best_epoch']})")
        st.dataframe(scoring.report_frame(card["evaluation"]).style.format(precision=4, na_rep=""))
st.plotly_chart(figures.per_class_figure(evals), key="f1")

st.subheader("Intra-patient vs inter-patient")
rows = []
for name in ("lstm", "cnn", "lstm_inter", "cnn_inter"):
    try:
        card = ui.cache.get_card(name)
    except ui.DataError:
        continue
    ev = card.get("evaluation")
    if ev:
        rows.append({"model": ui.title_of(name), "test set": ev.get("test_set"), "beats": ev["n"],
                     "accuracy": ev["accuracy"], "macro-F1": ev["macro_f1"],
                     "S F1": ev["per_class"]["S"]["f1"], "V F1": ev["per_class"]["V"]["f1"],
                     "ROC-AUC": ev["roc_auc"]})
if rows:
    st.dataframe(rows, hide_index=True)
st.markdown(
    "**Why the numbers differ.** The Kaggle split is *intra-patient*: beats are shuffled into "
    "train and test at random, so the test set holds other beats **of the same 47 people** the "
    "model trained on. Each person's heartbeats have their own shape, and the models learn "
    "those shapes, so they score almost perfectly. The *inter-patient* split (de Chazal 2004) "
    "trains on the records of DS1 and tests on DS2, **people the model has never seen**, as in "
    "the clinic. Then a new person's normal beats can look like someone else's ectopic beats, "
    "and the rare classes (S, F) suffer most.")
