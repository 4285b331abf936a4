"""How good, and how far to trust it.

- ``metrics``: the reference study's report, ROC, F1 differences with their spread;
- ``robustness``: DS2 under other rates, noise, leads;
- ``seen``: which of some beats a model trained on;
- ``trust``: the plain sentence on one analysed recording.
"""
