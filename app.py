"""ecgdash: the Streamlit dashboard. Run with ``streamlit run app.py``."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

st.set_page_config(page_title="ecgdash: LSTM vs CNN heartbeats", page_icon=":material/ecg_heart:", layout="wide")

# The navigation first: Streamlit shows the pages/ folder's file names until it runs, so
# nothing slow may come before it.
page = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/predict.py", title="Predict", icon=":material/online_prediction:"),
    st.Page("pages/explorer.py", title="Beat explorer", icon=":material/monitor_heart:"),
    st.Page("pages/recording.py", title="Recordings", icon=":material/ecg:"),
    st.Page("pages/compare.py", title="Compare models", icon=":material/compare:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
    st.Page("pages/quiz.py", title="Quiz", icon=":material/quiz:"),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/cast_for_education:"),
])

# Then pandas and plotly, before any page runs (GUIDE §4: a click during the first load could
# otherwise import pandas in two threads at once). TensorFlow is not imported here: the page is
# drawn first, then TensorFlow loads in the background (or at once, when a page needs a model
# sooner), behind one lock (ecgdash.dashboard.caches.load_tensorflow).
import pandas  # noqa: E402,F401
import plotly.graph_objects  # noqa: E402,F401

from ecgdash.dashboard import caches, server  # noqa: E402

server.keep_keras_state()   # Streamlit would reset Keras (and run a full gc) after every run
server.free_closed_sessions()   # a closed tab's memory back once its reconnect time has passed
try:
    page.run()
finally:
    caches.warm_up_tensorflow()
