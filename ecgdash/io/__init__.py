"""Files in: one module per kind of file, and the upload safety around them.

- ``beats_csv``: beat rows in the Kaggle layout (``load_beats``), and telling a file's kind by its content;
- ``recording``: the ``Recording`` every reader returns, and the checks they share;
- ``wfdb_record``, ``edf``, ``apple_health``, ``signal_csv``: one reader per format;
- ``uploads``: ``read_recording``, the one entry point (paths, uploaded files, zips, safe names);
- ``examples``: the excerpts shipped in ``data/examples/``;
- ``files``: atomic writes.

No Keras, no Streamlit.
"""
