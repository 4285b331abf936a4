"""What people read: figures and tables, computed elsewhere (no Streamlit, no Keras).

- ``beat_figures``, ``model_figures``, ``recording_figures``: the Plotly charts, by what they show;
- ``ecg_paper``: the standard ECG grid behind a trace;
- ``style``: the class colours and layout they share;
- ``tables``: report tables and the words for what a card says;
- ``printable``: the one-page PDF reports of a recording and of a Predict run (Matplotlib);
- ``teaching``, ``quiz``, ``lessons``: the Learn page's numbers, the Quiz's sets and sentences,
  the ready lessons.
"""
