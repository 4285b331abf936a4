"""The beat dataset built from MIT-BIH, and fingerprints of rows.

- ``splits``: the intra- and inter-patient splits (``Split``);
- ``mitbih``: fetch the database, cut every beat, the intra- and inter-patient splits, the files;
- ``fingerprints``: 64-bit fingerprints of beat rows (which rows a model trained on).
"""
