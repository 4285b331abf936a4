"""The dashboard's Streamlit glue: caches and the page blocks the pages share.

Only ``app.py`` and ``pages/`` import this subpackage; the rest of ``ecgdash`` never imports
Streamlit, so a notebook or a batch worker imports the library alone.
"""
