"""The models: what exists, how it is built, served, stored, adapted and explained.
Keras is imported here (inside the functions that need it) and in ``training``, nowhere else.

- ``registry``: every model ecgdash ships, and the pairs (the one place);
- ``builders``: the LSTM and the CNN, one readable builder each;
- ``inference``: ``predict_proba``;
- ``loaded``: a trained model with its card and training prior;
- ``store``: shipped and user models on disk, their cards;
- ``adapt``, ``prior``: label-free adaptation to a recording, the tuned S prior;
- ``explain``: integrated gradients, Grad-CAM, class templates.
"""
