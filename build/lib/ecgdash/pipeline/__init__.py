"""From a file to classes: the steps in order, for one recording, a database, an archive.

- ``record``: ``analyze_record``, one recording as a short pipeline of named steps;
- ``database``: any folder of annotated records, scored;
- ``batch``: an archive on Dask;
- ``scoring``: beat files scored by several models, and their table.
"""
