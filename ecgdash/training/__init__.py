"""Training: recipes, the fit loop, checkpoints.

- ``recipes``: the presets (reference, robust, classroom): one place per decision;
- ``reference``: ``train_model``, the fit loop and the card;
- ``robust``: ``train_robust`` (patient-wise, augmented, with RR context);
- ``adversary``: training against the record (a gradient-reversed head; measured, not kept);
- ``checkpoint``: an interrupted run goes on from its last finished epoch.
"""
