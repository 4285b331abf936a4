"""A printable one-page report (PDF, A4 landscape) of an analysed recording or of a Predict run.

The recording's page holds ten seconds of its rhythm strip on true ECG paper (printed at 100 %, a
small square is 1 mm: 40 ms by 0.1 mV at 25 mm/s and 10 mm/mV), each model's class above every
beat, the beat counts per model, the trust sentence with the facts behind it, and what each
model's card says (what it trained on, its parameters, its scores on people it never saw).
A Predict run's page holds the beat counts, how often the models agree, each model's scores
against the file's labels when it has them, and the cards. Every number is computed from the
analysis or read from a card; what is not known is left out.

Drawn with Matplotlib's object interface (no pyplot: no global state, safe in a web server).

    >>> import numpy as np
    >>> probas = {"cnn": np.eye(5)[[0, 0, 2]], "lstm": np.eye(5)[[0, 1, 2]]}
    >>> pdf = predict_report(probas, source_name="beats.csv", cards={})
    >>> pdf[:5]
    b'%PDF-'
"""
from __future__ import annotations

import datetime as _dt
import io
import textwrap

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator, NullLocator

from ecgdash.config import CLASSES
from ecgdash.ecg.baseline import without_wander
from ecgdash.ecg.calipers import PAPER_GAIN, PAPER_SPEED, square_words
from ecgdash.models import registry
from ecgdash.report.ecg_paper import MAJOR, MINOR, PAPER
from ecgdash.report.style import CLASS_COLORS
from ecgdash.report.tables import trained_on
from ecgdash.report.twelve_lead import CAL_LEFT_S, CAL_MV, ROW_MV, SHEET_S, can_draw, layout

PAGE_MM = (297.0, 210.0)          # A4 landscape
STRIP_S = 10.0                    # seconds of rhythm strip (250 mm at 25 mm/s)
SPEED_MM_S = PAPER_SPEED
GAINS_MM_MV = (PAPER_GAIN, 5.0)   # 10 mm/mV unless the strip would not fit, then 5
STRIP_MAX_MM = 50.0


class _Page:
    """A4 landscape page laid out in millimetres from its top-left corner."""

    def __init__(self, title: str):
        w, h = PAGE_MM
        self.fig = Figure(figsize=(w / 25.4, h / 25.4))
        self.text(12, 12, title, size=14, weight="bold")
        self.text(285, 12, f"ecgdash · {_dt.date.today().isoformat()}", size=7, color="#666", ha="right")

    def axes(self, x: float, y: float, w: float, h: float):
        """Axes whose plotting area is exactly ``w`` x ``h`` mm, its top-left at (x, y) mm."""
        pw, ph = PAGE_MM
        return self.fig.add_axes((x / pw, 1 - (y + h) / ph, w / pw, h / ph))

    def text(self, x: float, y: float, s: str, size: float = 7, **kw):
        pw, ph = PAGE_MM
        kw.setdefault("va", "top")
        return self.fig.text(x / pw, 1 - y / ph, s, fontsize=size, **kw)

    def paragraph(self, x: float, y: float, s: str, width_chars: int, size: float = 7,
                  max_lines: int | None = None, **kw) -> float:
        """Wrapped text; returns the y (mm) below it."""
        lines = textwrap.wrap(s, width_chars) or [""]
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = lines[-1][: max(0, width_chars - 1)] + "…"
        self.text(x, y, "\n".join(lines), size=size, linespacing=1.25, **kw)
        return y + len(lines) * size * 0.3528 * 1.3 + 1.5

    def table(self, x: float, y: float, rows: list[list[str]], widths: list[float],
              size: float = 7, header: bool = True, gid: str | None = None) -> float:
        """Rows of cells at fixed column widths (mm); the first row bold. Returns the y below.
        With ``gid``, each body cell is tagged ``gid:<row label>:<column header>``."""
        step = size * 0.3528 * 1.45
        for r, row in enumerate(rows):
            cx = x
            for c, (cell, w) in enumerate(zip(row, widths)):
                tag = f"{gid}:{row[0]}:{rows[0][c]}" if gid and r and c else None
                self.text(cx + (w if c else 0), y, str(cell), size=size, ha="right" if c else "left",
                          weight="bold" if header and r == 0 else "normal", gid=tag)
                cx += w
            y += step
        return y + 1.5


def to_pdf(fig: Figure | list[Figure], title: str) -> bytes:
    """``fig`` (or several, one page each) as PDF bytes, titled ``title`` in the file's metadata."""
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "ecgdash"}) as pdf:
        for page in fig if isinstance(fig, list) else [fig]:
            pdf.savefig(page)
    return buffer.getvalue()


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and not np.isfinite(value)) else f"{value:.{digits}f}"


def strip_window(duration: float, center: float | None = None, seconds: float = STRIP_S) -> tuple[float, float]:
    """The ``seconds`` of a recording to print: around ``center`` (s) when given, else from the
    start; never past either end.

    >>> strip_window(1800.0, center=100.0)
    (95.0, 105.0)
    >>> strip_window(6.0)
    (0.0, 6.0)
    """
    start = 0.0 if center is None else center - seconds / 2
    start = max(0.0, min(start, duration - seconds))
    return start, min(duration, start + seconds)


def strip_gain(lo_mv: float, hi_mv: float) -> float:
    """The largest standard gain (10, then 5 mm/mV) at which the strip fits in 50 mm.

    >>> strip_gain(-0.5, 2.0), strip_gain(-2.0, 3.5)
    (10.0, 5.0)
    """
    for gain in GAINS_MM_MV:
        if (hi_mv - lo_mv) * gain <= STRIP_MAX_MM:
            return gain
    return GAINS_MM_MV[-1]


def _paper_grid(axis, small: float, label) -> None:
    """ECG paper's lines on one axis: a minor tick every ``small`` (1 mm), a major every 5;
    the major ticks labelled by ``label(value)``."""
    axis.set_minor_locator(MultipleLocator(small))
    axis.set_major_locator(MultipleLocator(5 * small))
    axis.set_major_formatter(FuncFormatter(lambda v, _: label(v)))


def draw_strip(page: _Page, x_mm: float, y_mm: float, t: np.ndarray, signal: np.ndarray, *,
               millivolts: bool, beats: np.ndarray, calls: dict[str, np.ndarray],
               span: tuple[float, float]) -> float:
    """The strip on ECG paper at (x, y) mm with each model's call above each beat; returns the
    y (mm) below it. Without millivolts only the time grid is true and the trace is scaled."""
    t0, t1 = span
    width = (t1 - t0) * SPEED_MM_S
    finite = signal[np.isfinite(signal)]
    lo, hi = (np.percentile(finite, [0.1, 99.9]) if finite.size else (0.0, 1.0))
    if millivolts:
        lo, hi = np.floor(lo / 0.5) * 0.5, np.ceil(hi / 0.5) * 0.5
        if hi - lo < 2.0:
            hi = lo + 2.0
        gain = strip_gain(lo, hi)
        hi = min(hi, lo + STRIP_MAX_MM / gain)
        height = (hi - lo) * gain
    else:
        gain, height = None, 30.0
        pad = 0.05 * (hi - lo or 1.0)
        lo, hi = lo - pad, hi + pad
    rows = len(calls)
    label_mm = 3.2 * rows + 1
    for r, name in enumerate(calls):
        page.text(x_mm - 1.5, y_mm + 3.2 * r, registry.title(name), size=6, ha="right", color="#333")
    ax = page.axes(x_mm, y_mm + label_mm, width, height)
    ax.set_label("rhythm strip")
    ax.set_facecolor(PAPER)
    ax.set_xlim(t0, t1)
    ax.set_ylim(lo, hi)
    _paper_grid(ax.xaxis, 1.0 / SPEED_MM_S, label=lambda v: f"{v:g} s" if abs(v - round(v)) < 1e-6 else "")
    if millivolts:
        _paper_grid(ax.yaxis, 1.0 / gain, label=lambda v: "")
    else:
        ax.yaxis.set_major_locator(NullLocator())
    ax.grid(which="major", color=MAJOR, lw=0.5)
    ax.grid(which="minor", color=MINOR, lw=0.25)
    ax.set_axisbelow(True)
    ax.plot(t, np.clip(signal, lo, hi), color="black", lw=0.6, zorder=2)
    ax.tick_params(which="both", length=0, pad=1, labelsize=5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.4)
    inside = (beats >= t0) & (beats <= t1)
    for r, (name, letters) in enumerate(calls.items()):
        for when, letter in zip(beats[inside], np.asarray(letters)[inside]):
            page.text(x_mm + (when - t0) * SPEED_MM_S, y_mm + 3.2 * r, letter[0] if letter != "unreadable" else "–",
                      size=6, ha="center", color=CLASS_COLORS.get(letter, "#999"),
                      weight="normal" if letter == "N" else "bold", gid=f"call:{name}")
    below = y_mm + label_mm + height + 4
    scale = (f"{square_words(SPEED_MM_S, gain)} (print at 100 %)" if millivolts else
             f"{SPEED_MM_S:g} mm/s; the amplitude is not in mV, so it is drawn to fit (no mV grid)")
    page.text(x_mm, below, scale, size=5.5, color="#555")
    return below + 3


def card_lines(name: str, card: dict | None) -> list[str]:
    """What a model card says, in a few lines: trained on, size, epochs, and its scores on
    people it never trained on (and on another database, with how it was scored).

    >>> ev = {"n": 10, "accuracy": 0.9, "macro_f1": 0.8, "test_set": "DS2",
    ...       "per_class": {c: {"f1": 0.5} for c in "NSVFQ"}}
    >>> card_lines("cnn", {"params": 1000, "epochs_run": 3, "best_epoch": 2, "evaluation": ev,
    ...                    "split": "inter", "train_rows": {"rows": 5}})[1:3]
    ['1,000 parameters; trained 3 epochs, kept epoch 2', 'DS2: 10 beats, accuracy 0.900, F1 N 0.50, S 0.50, V 0.50, macro-F1 (N, S, V) 0.500']
    """
    if not card:
        return [f"{registry.title(name)}: no model card."]
    lines = [f"{registry.title(name)}: trained on {trained_on(card)}"]
    size = f"{card['params']:,} parameters" if card.get("params") else "parameters not recorded"
    if card.get("epochs_run"):
        size += f"; trained {card['epochs_run']} epochs, kept epoch {card.get('best_epoch', '?')}"
    lines.append(size)
    ev = card.get("evaluation") or {}
    sources = ([(ev.get("test_set") or "test set", ev)] if ev else []) + list((card.get("databases") or {}).items())
    for label, e in sources:
        f1 = {c: (e.get("per_class") or {}).get(c, {}).get("f1") for c in "NSV"}
        how = (e.get("protocol") or "").split(":")[0]
        nsv = np.mean(list(f1.values())) if None not in f1.values() else None
        lines.append(f"{label}{f' ({how})' if how else ''}: {e['n']:,} beats, accuracy {_fmt(e.get('accuracy'))}, "
                     "F1 " + ", ".join(f"{c} {_fmt(v, 2)}" for c, v in f1.items())
                     + f", macro-F1 (N, S, V) {_fmt(nsv)}")
    return lines


def _cards_block(page: _Page, y: float, names, cards: dict, width_chars: int = 190) -> float:
    page.text(12, y, "The models (from their cards)", size=8, weight="bold")
    y += 4.5
    for name in names:
        for i, line in enumerate(card_lines(name, cards.get(name))):
            y = page.paragraph(14 if i else 12, y, line, width_chars, size=6.5 if i else 7,
                               color="#000" if not i else "#333") - 1.0
        y += 1.5
    return y


def _counts_rows(counts) -> list[list[str]]:
    columns = list(counts.columns)
    rows = [["class"] + [registry.title(c) if c != "reference" else "reference" for c in columns]]
    for cls, row in counts.iterrows():
        rows.append([str(cls)] + [f"{int(v):,}" if np.isfinite(v) else "" for v in row.to_numpy(dtype=float)])
    return rows


def recording_report(result, *, center: float | None = None, cards: dict | None = None) -> bytes:
    """The report (PDF bytes) of an analysed recording (``pipeline.record.RecordAnalysis``): one
    page, the parameters ``recording_page``'s; a recording with the twelve standard leads gets its
    12-lead sheet (``twelve_lead_page``) as a first page."""
    return to_pdf(recording_pages(result, center=center, cards=cards), f"ecgdash report: {result.recording.name}")


def recording_pages(result, *, center: float | None = None, cards: dict | None = None) -> list[Figure]:
    """The report's pages: the 12-lead sheet first when the recording has the twelve leads,
    then ``recording_page``."""
    pages = [recording_page(result, center=center, cards=cards)]
    if can_draw(result.recording.leads):
        start = 0.0 if center is None else max(0.0, center - SHEET_S / 2)
        pages.insert(0, twelve_lead_page(result.recording, start_s=start))
    return pages


def twelve_lead_page(rec, *, start_s: float = 0.0) -> Figure:
    """The 12-lead sheet (``report.twelve_lead``) on true ECG paper, A4 landscape: printed at
    100 %, a small square is 1 mm (40 ms by 0.1 mV)."""
    sheet = layout(rec, start_s=start_s)
    page = _Page(f"Recording {rec.name}: the 12-lead ECG")
    what = f"{rec.source_format} file, " if rec.source_format else ""
    page.text(12, 19, f"{what}{rec.duration:.0f} s at {rec.fs:g} Hz; {sheet.start_s:.1f}-{sheet.end_s:.1f} s shown. "
                      "Each row of 2.5-s panels follows on in time; lead II along the bottom for 10 s.", size=8)
    gain = PAPER_GAIN
    low, high = sheet.y_range
    t0 = -CAL_LEFT_S - 0.05
    ax = page.axes(16, 25, (SHEET_S - t0) * SPEED_MM_S, (high - low) * gain)
    ax.set_label("12-lead sheet")
    ax.set_facecolor(PAPER)
    ax.set_xlim(t0, SHEET_S)
    ax.set_ylim(low, high)
    _paper_grid(ax.xaxis, 1.0 / SPEED_MM_S, label=lambda v: "")
    _paper_grid(ax.yaxis, 1.0 / gain, label=lambda v: "")
    ax.grid(which="major", color=MAJOR, lw=0.5)
    ax.grid(which="minor", color=MINOR, lw=0.25)
    ax.set_axisbelow(True)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for spine in ax.spines.values():
        spine.set_linewidth(0.4)
    for p in sheet.panels:
        ax.plot(p.x0 + p.t, sheet.drawn(p), color="black", lw=0.5, zorder=2, gid=f"lead:{p.lead}")
        ax.text(p.x0 + 0.08, p.y0 + ROW_MV * 0.42, p.lead, fontsize=8, weight="bold", va="center", zorder=3)
        if p.x0 > 0:
            ax.plot([p.x0, p.x0], [p.y0 - 0.4, p.y0 + 0.4], color="black", lw=0.6, zorder=2)
    if sheet.millivolts:
        for x, y in sheet.calibration:
            ax.plot(x, y, color="black", lw=0.7, zorder=2)
    below = 25 + (high - low) * gain + 3
    page.text(16, below, (f"{square_words(SPEED_MM_S, gain)}; the pulse at each row's start is "
                          f"{CAL_MV:g} mV (print at 100 %). Drawn with the "
                          "baseline wander taken away." if sheet.millivolts else
                          f"{SPEED_MM_S:g} mm/s; the amplitude is not in mV, so each lead is scaled to its row "
                          "(no mV grid)."), size=6.5, color="#555")
    return page.fig


def recording_page(result, *, center: float | None = None, cards: dict | None = None) -> Figure:
    """The recording's page as a Matplotlib figure (A4 landscape, laid out in mm).

    Parameters
    ----------
    result : RecordAnalysis
        The analysis (its recording, beats, probabilities, counts and trust note).
    center : float, optional
        Time (s) the printed 10 s of strip centre on; default the start of the recording.
    cards : dict, optional
        ``{name: card}`` of the models; default none (the models' lines then say so).
    """
    cards = cards or {}
    rec = result.recording
    page = _Page(f"Recording {rec.name}: beats classified by two models")
    hr = result.heart_rate["bpm"].to_numpy(dtype=float)
    duration = f"{rec.duration / 60:.1f} min" if rec.duration >= 120 else f"{rec.duration:.0f} s"
    rate = f", median heart rate {np.nanmedian(hr):.0f} /min" if np.isfinite(hr).any() else ""
    page.text(12, 19, f"{duration} at {rec.fs:g} Hz, lead {result.lead}; {len(result.beats):,} beats "
                      f"from the {result.source}{rate}.", size=8)
    span = strip_window(rec.duration, center)
    i0, i1 = int(span[0] * rec.fs), int(np.ceil(span[1] * rec.fs))
    # drawn without its baseline wander, as on the page (the models read it as it is)
    signal = without_wander(rec.signals[:, rec.lead_index(result.lead)], rec.fs)[i0:i1]
    t = np.arange(i0, i0 + len(signal)) / rec.fs
    calls = {name: result.classes(name) for name in result.probas}
    if result.reference is not None:
        ref = result.reference
        calls["reference"] = np.where(ref >= 0, np.asarray(CLASSES)[np.clip(ref, 0, 4)], "–")
    page.text(12, 25, f"Rhythm strip, {span[0]:.1f}-{span[1]:.1f} s; each model's call above every beat"
                      + (" (reference: the file's annotations)." if "reference" in calls else "."),
              size=7, color="#333")
    y = draw_strip(page, 30, 29, t, signal, millivolts=rec.unit == "mV", beats=result.times,
                   calls=calls, span=span)

    top = y + 2
    page.text(12, top, "Beats per class", size=8, weight="bold")
    rows = _counts_rows(result.counts)
    after_counts = page.table(12, top + 4.5, rows, [14] + [24] * (len(rows[0]) - 1), size=7, gid="count")
    if result.review_note:      # a template review: who labelled how many beats, and how
        after_counts = page.paragraph(12, after_counts + 2, result.review_note,
                                      int((24 * (len(rows[0]) - 1) + 14) / 1.45), size=7, weight="bold")

    trust = result.trust
    x = 12 + 14 + 24 * (len(rows[0]) - 1) + 10
    chars = int((285 - x) / 1.45)
    if trust is not None:
        page.text(x, top, f"How far to trust it ({trust.level})", size=8, weight="bold")
        ty = page.paragraph(x, top + 4.5, trust.sentence, chars, size=7)
        for _, fact in trust.facts.iterrows():
            if ty > 150:
                break
            ty = page.paragraph(x, ty, f"{fact['what']}: {fact['value']}", chars, size=6, max_lines=2,
                                color="#333") - 1.2
    else:
        ty = top
    _cards_block(page, max(after_counts, ty) + 3, list(result.probas), cards)
    return page.fig


def predict_report(probas: dict[str, np.ndarray], *, source_name: str, cards: dict | None = None,
                   evaluations: dict[str, dict] | None = None, notes: list[str] = ()) -> bytes:
    """One page (PDF bytes) for a Predict run; the parameters are ``predict_page``'s."""
    page = predict_page(probas, source_name=source_name, cards=cards, evaluations=evaluations, notes=notes)
    return to_pdf(page, f"ecgdash report: {source_name}")


def predict_page(probas: dict[str, np.ndarray], *, source_name: str, cards: dict | None = None,
                 evaluations: dict[str, dict] | None = None, notes: list[str] = ()) -> Figure:
    """A Predict run's page as a Matplotlib figure: beat counts per model, how often the models agree,
    each model's scores against the file's labels (``evaluations``, when it has labels) and the
    models' cards.

    Parameters
    ----------
    probas : dict
        ``{model name: (n, 5) probabilities}``.
    source_name : str
        The file's name, as the user gave it.
    cards, evaluations : dict, optional
        ``{name: card}`` and ``{name: evaluation}`` (``scoring.metrics_per_model``).
    notes : list of str
        Sentences printed under the scores (e.g. that a model trained on these very beats).
    """
    cards, evaluations = cards or {}, evaluations or {}
    names = list(probas)
    n = len(next(iter(probas.values()))) if probas else 0
    page = _Page(f"Predict: {source_name}")
    calls = {name: p.argmax(axis=1) for name, p in probas.items()}
    agree = (float(np.mean(calls[names[0]] == calls[names[1]])) if len(names) == 2 and n else None)
    summary = f"{n:,} beats scored by {len(names)} models"
    if agree is not None:
        summary += f"; the two agree on {agree:.1%} of them"
    page.text(12, 19, summary + ".", size=8)
    rows = [["class"] + [registry.title(name) for name in names]]
    for k, cls in enumerate(CLASSES):
        rows.append([cls] + [f"{int((calls[name] == k).sum()):,}" for name in names])
    page.text(12, 27, "Beats per class (each model's calls)", size=8, weight="bold")
    y = page.table(12, 31.5, rows, [14] + [34] * len(names), size=7, gid="count")
    if evaluations:
        x = 12 + 14 + 34 * len(names) + 12
        page.text(x, 27, "Against the file's labels", size=8, weight="bold")
        head = ["model", "accuracy", "macro-F1"] + [f"F1 {c}" for c in CLASSES]
        score_rows = [head]
        for name, ev in evaluations.items():
            score_rows.append([registry.title(name), _fmt(ev.get("accuracy"), 4), _fmt(ev.get("macro_f1"), 4)]
                              + [_fmt(ev["per_class"][c]["f1"]) for c in CLASSES])
        ey = page.table(x, 31.5, score_rows, [40, 18, 18] + [14] * len(CLASSES), size=7)
        for name, ev in evaluations.items():
            cm = np.asarray(ev["confusion"])
            page.text(x, ey, f"{registry.title(name)}: confusion (rows true, columns called)", size=7,
                      weight="bold")
            cm_rows = [["true"] + list(CLASSES)] + [[c] + [f"{v:,}" for v in cm[i]] for i, c in enumerate(CLASSES)]
            ey = page.table(x, ey + 4, cm_rows, [12] + [16] * len(CLASSES), size=6.5, gid=f"cm:{name}")
        y = max(y, ey)
    else:
        page.text(12, y, "The file has no labels: only the models' calls are known.", size=7, color="#333")
        y += 5
    for note in notes:
        y = page.paragraph(12, y + 1, note, 190, size=7, color="#a33")
    _cards_block(page, y + 3, names, cards)
    return page.fig
