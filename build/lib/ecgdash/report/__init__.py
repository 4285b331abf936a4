"""What people read: figures and tables, computed elsewhere (no Streamlit, no Keras).

- ``figures``: every Plotly chart;
- ``tables``: report tables and the words for what a card says;
- ``teaching``: the Learn page's numbers (receptive fields, convergence, class winners).
"""
