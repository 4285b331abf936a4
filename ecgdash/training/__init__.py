"""Training: recipes, the fit loop, checkpoints.

- ``recipes``: the presets (reference, robust, classroom): one place per decision;
- ``reference``: ``train_model``, the fit loop and the card;
- ``robust``: ``train_robust`` (patient-wise, augmented, with RR context);
- ``extension``: what a study may change in a run (the options measured and not kept live
  with their study, ``studies/beyond_mitbih/options.py``);
- ``checkpoint``: an interrupted run goes on from its last finished epoch.
"""
