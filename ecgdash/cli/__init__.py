"""Command line: ``python -m ecgdash`` (or ``ecgdash``) ``data|train|evaluate|record|batch|explain``.

One module per command, each with ``add_parser(sub)`` and the ``run(args)`` it sets. Options
mean one thing everywhere: ``--models`` names models (comma-separated), ``--models-dir`` is a
folder. Bad input ends with a one-line message and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from ecgdash.cli import batch, data, evaluate, explain, record, train
from ecgdash.errors import DataError, RateNeeded

COMMANDS = (data, train, evaluate, record, batch, explain)


class _Parser(argparse.ArgumentParser):
    """Every (sub)command's parser: no abbreviated options; a bad option is one line on stderr
    (what is wrong, and where the help is), exit status 2."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message.rstrip('.')} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ecgdash", description="ECG heartbeat classification with an LSTM and a CNN.")
    # no abbreviations anywhere: "--models" must never be read as "--models-dir"
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run one command; the exit status (0 done, 1 nothing done or a file that could not be read
    or written, 2 bad input or options, 130 interrupted)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except RateNeeded as exc:
        print(f"error: {exc.name} does not say its sampling rate (no time column): give it with "
              f"--fs, e.g. --fs 250 (common rates: {', '.join(map(str, RateNeeded.COMMON_RATES))} Hz).",
              file=sys.stderr)
        return 2
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:        # a file that cannot be read or written: its path and why, one line
        where = exc.filename or "a file"
        print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was replaced.", file=sys.stderr)
        return 130
