"""The ECG CSV of an Apple Health export (Apple Watch, lead I)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ecgdash.errors import DataError
from ecgdash.io.recording import Recording, check_fs, check_signal, to_millivolts


def _number(text: str) -> float:
    """A number that may use a decimal comma ("-12,5") or carry quotes."""
    text = text.strip().strip('"').replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(text)


def read_apple_health(text: str, name: str) -> Recording:
    """The ECG CSV of an Apple Health export (Apple Watch, lead I): a header block ("Sample
    Rate,512 hertz", "Lead,Lead I", "Unit,µV", ...), then one sample per line; decimal commas
    in some locales. No library reads it; it is simple enough to read here."""
    meta, values, started = {}, [], False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not started:
            try:
                values.append(_number(line))
                started = True
            except ValueError:
                key, _, value = line.partition(",")
                meta[key.strip().strip('"').lower()] = value.strip().strip('"')
            continue
        try:
            values.append(_number(line))
        except ValueError:
            raise DataError(f"{name}, line {lineno}: {line.strip()[:30]!r} is not a sample value.") from None
    rate = re.search(r"[\d.,]+", meta.get("sample rate", ""))
    if not rate:
        raise DataError(f"{name}: the 'Sample Rate' line gives no number ({meta.get('sample rate')!r}).")
    fs = check_fs(_number(rate.group()))
    lead = meta.get("lead") or "Lead I"
    signals, warnings = to_millivolts(np.asarray(values, dtype=np.float64)[:, None], meta.get("unit"), name)
    unit = "file units" if warnings else "mV"
    warnings += check_signal(signals, fs, name)
    return Recording(name=Path(name).stem, fs=fs, signals=signals, leads=[lead], kind="apple",
                     warnings=warnings, unit=unit)
