"""Files in: one module per kind of file, and the upload safety around them.

- ``beats_csv``: beat rows in the Kaggle layout (``load_beats``), and telling a file's kind by its content;
- ``recordings``: continuous recordings (WFDB, EDF/BDF, Apple Health, CSV/TXT signals, uploads, zips);
- ``examples``: the excerpts shipped in ``data/examples/``;
- ``files``: atomic writes.

No Keras, no Streamlit.
"""
