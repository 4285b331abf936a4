"""What the studies of this folder share: where the two databases are."""
from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def database_parser(description: str) -> argparse.ArgumentParser:
    """``--svdb DIR`` (the svdb development records) and ``--mitdb DIR`` (MIT-BIH)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--svdb", default=str(ROOT.parent / "shared" / "data" / "svdb-dev"))
    parser.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    return parser
