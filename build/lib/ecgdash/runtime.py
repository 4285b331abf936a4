"""Process-level TensorFlow setup for the command line and batch workers (not for a library user's
process, whose settings are its own)."""
from __future__ import annotations

import logging
import os
import sys


def import_tensorflow_quietly(threads: int | None = None) -> None:
    """Import TensorFlow without the two notices its native libraries print while loading.

    They (absl, oneDNN) go straight to file descriptor 2 before any log level applies, so
    descriptor 2 points at ``os.devnull`` for the import only; a failing import still raises
    its Python error once stderr is back. With ``threads``, TensorFlow's thread pools get that
    many threads (several worker processes on one machine then do not oversubscribe its cores).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" not in sys.modules:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 2)
                import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if threads:
        import tensorflow as tf

        try:   # only possible before TensorFlow's first operation in this process
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            pass
