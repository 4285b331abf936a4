"""Overview: what the app is for, both model cards side by side, the data status."""
import streamlit as st

from ecgdash.dashboard import blocks
from ecgdash.models import registry

st.title("ecgdash: how an LSTM and a CNN read heartbeats")
st.markdown(
    "ecgdash sorts single ECG heartbeats into the five AAMI classes "
    "(**N** normal, **S** supraventricular ectopic, **V** ventricular ectopic, **F** fusion, "
    "**Q** paced or unclassifiable) with two neural networks trained on the MIT-BIH Arrhythmia "
    "Database: an **LSTM**, which reads a beat in order and remembers, and a **CNN**, which looks "
    "for local shapes. Upload beats, see both models' answers side by side, and find out where "
    "and why they differ.")

st.header("The two models")
blocks.model_cards(registry.PAIRS["reference"])
with st.expander("The robust pair, for recordings of new patients"):
    st.markdown("The same two architectures trained patient-wise on more people: MIT-BIH's DS1 "
                "records and 39 records of another database (svdb: other people, other Holter "
                "recorders, 128 Hz), with simulated noise, other sampling rates and each beat's RR "
                "intervals and local template. Their scores are on DS2, 22 MIT-BIH patients they "
                "never saw; the Recordings page uses them by default.")
    blocks.model_cards(registry.PAIRS["robust"])
blocks.glossary("intra-patient", "inter-patient", "DS1 / DS2", "macro-F1", "ROC-AUC")

st.header("Data")
blocks.data_panel()

st.header("Where to go next")
st.page_link("pages/predict.py", label="Predict: score a CSV of beats with both models", icon=":material/online_prediction:")
st.page_link("pages/explorer.py", label="Beat explorer: look at single beats and classes", icon=":material/monitor_heart:")
st.page_link("pages/compare.py", label="Compare: ROC curves, confusion matrices, reports", icon=":material/compare:")
st.page_link("pages/train.py", label="Train: train a model yourself and watch it learn", icon=":material/model_training:")
st.page_link("pages/learn.py", label="Learn: why an LSTM and a CNN behave differently", icon=":material/school:")
