"""What every command shares: quiet TensorFlow, progress lines, the model options."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ecgdash.config import data_dir
from ecgdash.errors import DataError
from ecgdash.models import registry
from ecgdash.models.store import check_name
from ecgdash.runtime import import_tensorflow_quietly


def quiet_tensorflow() -> None:
    """The command line owns its process: TensorFlow's C++ notices and Python warnings
    (e.g. Keras retracing a training step for a smaller last batch) stay off its output."""
    import_tensorflow_quietly()


def progress_printer(prefix: str):
    """A ``(done, total, message)`` callback that draws one progress line."""
    state = {"t": time.perf_counter()}

    def report(done: int, total: int, message: str) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.perf_counter() - state["t"]
        end = "\n" if done >= total else ""
        print(f"\r{prefix} [{bar}] {done}/{total} {message:<24} {elapsed:5.1f}s", end=end, flush=True)

    return report


def epoch_printer():
    """An ``on_epoch`` callback that prints one line per training epoch."""
    def on_epoch(epoch, total, row):
        print(f"  epoch {epoch:3d}/{total}  loss {row['loss']:.4f}  acc {row['accuracy']:.4f}  "
              f"val acc {row['val_accuracy']:.4f}  val macro-F1 {row['val_macro_f1']:.4f}  "
              f"{row['seconds']:.1f}s", flush=True)

    return on_epoch


def add_model_options(parser, *, default: str) -> None:
    """``--models a,b`` (names, everywhere) and ``--models-dir DIR`` (a folder, everywhere)."""
    parser.add_argument("--models", dest="model_names", type=model_list,
                        help=f"comma-separated model names (default: {default})")
    parser.add_argument("--models-dir", help="model folder (default: trained_models/, then your "
                        "own models in data/user_models/)")


def add_fs_option(parser, *, files: str = "a CSV/TXT signal") -> None:
    """``--fs``: the sampling rate of signal files that do not say it."""
    parser.add_argument("--fs", type=positive, help=f"sampling rate of {files} in Hz (default: from "
                        "the time column; required for a file without one)")


def model_names(args, default) -> list[str]:
    """The names of ``--models a,b``, else ``default``."""
    return [n.strip() for n in args.model_names.split(",") if n.strip()] if args.model_names else list(default)


def recording_models(args) -> list[str]:
    """``--models`` of ``record`` and ``batch``, else the recordings pair."""
    return model_names(args, registry.PAIRS[registry.RECORDINGS_PAIR])


def data_folder(args) -> Path:
    """``--data`` or ``data/``."""
    return Path(args.data) if getattr(args, "data", None) else data_dir()


def whole(minimum: int = 1, *, maximum: int | None = None):
    """An argparse type: a whole number from ``minimum`` (to ``maximum``), else a one-line error.

    >>> whole(1)("3"), whole(0)("0")
    (3, 0)
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a whole number is needed, not {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" to {maximum:,}" if maximum is not None else " or more"
            raise argparse.ArgumentTypeError(f"must be {minimum:,}{upper}, not {value}")
        return value

    return parse


def positive(text: str) -> float:
    """An argparse type: a number above 0 (a rate, a time), else a one-line error.

    >>> positive("250")
    250.0
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number is needed, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def model_name(text: str) -> str:
    """An argparse type: a model's name (``store.check_name``), never a path or a file name."""
    try:
        return check_name(text)
    except DataError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def model_list(text: str) -> str:
    """An argparse type: ``--models a,b``, each a model's name."""
    for name in (n.strip() for n in text.split(",")):
        if name:
            model_name(name)
    if not any(n.strip() for n in text.split(",")):
        raise argparse.ArgumentTypeError("name at least one model, e.g. robust_lstm,robust_cnn")
    return text
