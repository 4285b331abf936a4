"""What people read: figures and tables, computed elsewhere (no Streamlit, no Keras).

- ``beat_figures``, ``model_figures``, ``recording_figures``: the Plotly charts, by what they show;
- ``style``: the class colours and layout they share;
- ``tables``: report tables and the words for what a card says;
- ``teaching``: the Learn page's numbers (receptive fields, convergence, class winners).
"""
