"""The 12-lead ECG as clinicians read it: a 3 x 4 grid of 2.5-s panels with a 10-s rhythm strip of
lead II below, on ECG paper (25 mm/s, 10 mm/mV) with a 1-mV calibration pulse at each row's start.

    I    | aVR | V1 | V4
    II   | aVL | V2 | V5
    III  | aVF | V3 | V6
    II (rhythm strip, 10 s)

The four columns follow each other in time (0-2.5 s, 2.5-5 s, ...), as a cart prints them.
``layout`` computes where every piece goes (seconds and millivolts of one drawing plane);
``twelve_lead_figure`` draws it with Plotly for the page, ``printable`` with Matplotlib for the
PDF: one layout, two drawings.

    >>> import numpy as np
    >>> from ecgdash.io.recording import Recording
    >>> from ecgdash.io.leads import TWELVE
    >>> t = np.arange(5000) / 500
    >>> rec = Recording("demo", 500.0, np.column_stack([np.sin(2 * np.pi * t)] * 12), list(TWELVE))
    >>> sheet = layout(rec)
    >>> [p.lead for p in sheet.panels[:4]], sheet.panels[3].x0, sheet.rows
    (['I', 'aVR', 'V1', 'V4'], 7.5, 4)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ecgdash.ecg.baseline import without_wander
from ecgdash.ecg.calipers import PAPER_GAIN, PAPER_SPEED
from ecgdash.io.leads import has_twelve, standard_names
from ecgdash.report import ecg_paper

#: The grid as printed: rows of (lead, lead, lead, lead), the columns following each other in time.
GRID = (("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"), ("III", "aVF", "V3", "V6"))
PANEL_S = 2.5            # seconds per panel
SHEET_S = 4 * PANEL_S    # seconds across the sheet (and of the rhythm strip)
RHYTHM_LEAD = "II"
ROW_MV = 3.5             # millivolts between rows' baselines (35 mm at 10 mm/mV)
CAL_S, CAL_MV = 0.2, 1.0 # the calibration pulse: 1 mV high, 0.2 s (5 mm) wide
CAL_LEFT_S = 0.4         # room left of the sheet for the pulse


@dataclass
class Panel:
    """One lead's piece of the sheet: drawn at ``x0 + t`` seconds, ``y0 + mv`` millivolts."""

    lead: str            # the standard name ("aVR")
    file_lead: str       # the recording's own name for it ("AVR")
    row: int
    x0: float
    y0: float
    t: np.ndarray        # seconds from the panel's start
    mv: np.ndarray       # the signal, baseline wander taken away


@dataclass
class Sheet:
    """The whole 12-lead sheet: its panels (the rhythm strip last), its time span in the
    recording, the number of rows, and whether the amplitudes are in mV."""

    panels: list[Panel]
    start_s: float
    end_s: float
    rows: int
    millivolts: bool

    @property
    def y_range(self) -> tuple[float, float]:
        """The millivolts the sheet spans, from below the last row to above the first."""
        return -(self.rows - 1) * ROW_MV - ROW_MV * 0.6, ROW_MV * 0.85

    def drawn(self, panel: Panel) -> np.ndarray:
        """``panel``'s trace as drawn, in the sheet's millivolts: clipped so that a lead never
        writes over the next row; without millivolts, scaled to fit its row."""
        y = panel.mv
        if not self.millivolts and len(y):
            span = float(np.nanpercentile(y, 99.5) - np.nanpercentile(y, 0.5)) or 1.0
            y = y / span * ROW_MV * 0.6
        return panel.y0 + np.clip(y, -ROW_MV * 0.55, ROW_MV * 0.8)

    @property
    def calibration(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The pulse left of each row: (x, y) of its outline."""
        x = np.array([-CAL_LEFT_S, -CAL_LEFT_S + 0.05, -CAL_LEFT_S + 0.05, -CAL_LEFT_S + 0.05 + CAL_S,
                      -CAL_LEFT_S + 0.05 + CAL_S, -0.05])
        return [(x, -r * ROW_MV + np.array([0, 0, CAL_MV, CAL_MV, 0, 0])) for r in range(self.rows)]


def can_draw(leads) -> bool:
    """Whether a recording with ``leads`` has the twelve leads of the sheet."""
    return has_twelve(leads)


def layout(rec, *, start_s: float = 0.0, rhythm_lead: str = RHYTHM_LEAD) -> Sheet:
    """Where each lead goes on the sheet, for ``SHEET_S`` seconds of ``rec`` from ``start_s``
    (moved back when the recording ends sooner). Raises ValueError without the twelve leads."""
    names = standard_names(rec.leads)
    if len(names) < 12:
        raise ValueError(f"a 12-lead sheet needs the twelve standard leads; {rec.name} has "
                         f"{', '.join(rec.leads)}")
    start = max(0.0, min(float(start_s), rec.duration - SHEET_S))
    end = min(rec.duration, start + SHEET_S)
    i0, i1 = int(round(start * rec.fs)), int(round(end * rec.fs))
    clean = {}

    def signal(lead):
        if lead not in clean:           # wander taken away over the whole record, then cut
            clean[lead] = without_wander(rec.signals[:, rec.lead_index(names[lead])], rec.fs)[i0:i1]
        return clean[lead]

    per_panel = int(round(PANEL_S * rec.fs))
    panels = []
    for r, row in enumerate(GRID):
        for c, lead in enumerate(row):
            piece = signal(lead)[c * per_panel:(c + 1) * per_panel]
            panels.append(Panel(lead, names[lead], r, c * PANEL_S, -r * ROW_MV, np.arange(len(piece)) / rec.fs, piece))
    rhythm = rhythm_lead if rhythm_lead in names else RHYTHM_LEAD
    strip = signal(rhythm)
    panels.append(Panel(rhythm, names[rhythm], len(GRID), 0.0, -len(GRID) * ROW_MV,
                        np.arange(len(strip)) / rec.fs, strip))
    return Sheet(panels, start, end, len(GRID) + 1, rec.unit == "mV")


def twelve_lead_figure(sheet: Sheet, *, title: str = "", width: int = 950):
    """The sheet as a Plotly figure on ECG paper at 25 mm/s and 10 mm/mV (squares kept square),
    its height fitted to ``width`` pixels (the page's column at 1400 px; wider shows more paper).

    Without millivolts (a file whose unit is not known) each lead is scaled to fit its row and
    only the time grid is true.
    """
    fig = go.Figure()
    for p in sheet.panels:
        fig.add_trace(go.Scatter(x=p.x0 + p.t, y=sheet.drawn(p), mode="lines", line=dict(color="black", width=1),
                                 name=p.lead, showlegend=False,
                                 hovertemplate=f"{p.lead}<br>%{{customdata:.2f}} s<extra></extra>",
                                 customdata=sheet.start_s + p.x0 + p.t))
        fig.add_annotation(x=p.x0 + 0.08, y=p.y0 + ROW_MV * 0.42, text=f"<b>{p.lead}</b>", showarrow=False,
                           xanchor="left", font=dict(size=13))
        if p.x0 > 0:                 # the mark where one panel ends and the next begins
            fig.add_shape(type="line", x0=p.x0, x1=p.x0, y0=p.y0 - 0.4, y1=p.y0 + 0.4, line=dict(color="black", width=1))
    if sheet.millivolts:
        for x, y in sheet.calibration:
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color="black", width=1.3),
                                     hoverinfo="skip", showlegend=False))
    low, high = sheet.y_range
    px_per_s = (width - 40) / (SHEET_S + CAL_LEFT_S)
    height = int(px_per_s * (high - low) * PAPER_GAIN / PAPER_SPEED) + 60
    fig.update_layout(title=title or None, width=None, height=height, margin=dict(l=20, r=20, t=40 if title else 10, b=30),
                      dragmode="pan")
    fig.update_xaxes(range=[-CAL_LEFT_S - 0.05, SHEET_S], showticklabels=False)
    fig.update_yaxes(range=[low, high], showticklabels=False)
    ecg_paper.on_paper(fig, speed_mm_s=PAPER_SPEED, gain_mm_mv=PAPER_GAIN, millivolts=sheet.millivolts,
                       span=(0.0, SHEET_S))
    fig.update_xaxes(showticklabels=False)
    return fig


def sheet_figure(rec, *, start_s: float = 0.0, title: str = ""):
    """``twelve_lead_figure`` of ``layout(rec, start_s=start_s)``."""
    return twelve_lead_figure(layout(rec, start_s=start_s), title=title)
