"""Overview: what the app is for, both model cards side by side, the data status."""
import streamlit as st

from ecgdash.dashboard import blocks
from ecgdash.evaluation import trust
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
                f"records and another database ({trust.OTHER_DATABASE_WORDS}), with simulated noise, other sampling rates and each beat's RR "
                "intervals and local template. Their scores are on DS2, 22 MIT-BIH patients they "
                "never saw; the Recordings page uses them by default.")
    blocks.model_cards(registry.PAIRS["robust"])
blocks.glossary("intra-patient", "inter-patient", "DS1 / DS2", "macro-F1", "ROC-AUC")

st.header("Data")
blocks.data_panel()

st.header("Where to go next")
for path, label, icon in (
        ("pages/predict.py", "Predict: score a CSV of beats with both models", "online_prediction"),
        ("pages/explorer.py", "Beat explorer: look at single beats and classes, what-if, explanations", "monitor_heart"),
        ("pages/recording.py", "Recordings: a whole ECG, how far to trust it, a template review", "ecg"),
        ("pages/compare.py", "Compare: ROC curves, confusion matrices, reports", "compare"),
        ("pages/train.py", "Train: train a model yourself and watch it learn", "model_training"),
        ("pages/learn.py", "Learn: why an LSTM and a CNN behave differently", "school"),
        ("pages/quiz.py", "Quiz: the class against the models, beat by beat", "quiz"),
        ("pages/lessons.py", "Lessons: ready lessons, step by step across the pages", "cast_for_education")):
    st.page_link(path, label=label, icon=f":material/{icon}:")
