"""Signal steps on one lead, each usable on its own (NeuroKit2 style); no Keras. They work on
``Recording`` leads (``ecgdash.io``) and make ``Beats`` (``ecgdash.beats``).

- ``detect``: QRS detection and how good it is;
- ``quality``: signal quality per 10-s segment, QRS polarity;
- ``plausibility``: does a signal look like an ECG at all;
- ``cutting``: a lead and beat positions -> Kaggle-layout rows;
- ``context``: RR intervals and local templates;
- ``augment``: simulated recording conditions (noise, rates, gain) for training;
- ``calipers``: an interval read off ECG paper (ms, mm, rate);
- ``whatif``: one beat changed one way at a time (the What-if lab);
- ``clusters``: a recording's beats grouped by shape and timing (the templates of a template review).
"""
