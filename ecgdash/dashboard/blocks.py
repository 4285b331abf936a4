"""Streamlit building blocks shared by the pages (display only: no parsing, training or metrics)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ecgdash.config import CLASSES, classroom
from ecgdash.dashboard import caches
from ecgdash.datasets import mitbih as dataset
from ecgdash.ecg import cutting
from ecgdash.errors import DataError, OfflineError, RateNeeded
from ecgdash.io.examples import EXCERPT_RECORDS, excerpts_dir
from ecgdash.models import registry, store
from ecgdash.report import beat_figures
from ecgdash.report.tables import report_frame, scored_on, trained_on
from ecgdash.teaching.learn import GLOSSARY


def try_card(name: str) -> dict | None:
    """The card of ``name``, or None after explaining on the page what is wrong and what to run."""
    try:
        return caches.get_card(name)
    except DataError as exc:
        st.warning(f"**{registry.title(name)}**: {exc}")
        return None


def model_card(name: str, card: dict) -> None:
    """One model card: size, training, headline test metrics."""
    ev = card.get("evaluation") or {}
    st.subheader(registry.title(name))
    c1, c2, c3 = st.columns(3)
    c1.metric("parameters", f"{card['params']:,}")
    c2.metric("epochs (best)", f"{card.get('epochs_run', '?')} ({card.get('best_epoch', '?')})")
    seconds = card.get("train_seconds", 0)
    c3.metric("train time", f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min")
    if ev:
        c1.metric("accuracy", f"{ev['accuracy']:.4f}")
        c2.metric("macro-F1", f"{ev['macro_f1']:.4f}")
        c3.metric("ROC-AUC", f"{ev['roc_auc']:.4f}" if ev.get("roc_auc") is not None else "–")
        split = trained_on(card)
        adj = card.get("logit_adjustment") or {}
        prior = (f"; S prior ×{adj['scale']:g}, chosen on the validation records"
                 if adj.get("scale", 1) != 1 else "")
        st.caption(f"on {scored_on(ev)}; trained on {split}, seed {card.get('seed')}, "
                   f"{card.get('trained', '?')}{prior}")


def model_cards(names: list[str]) -> dict[str, dict]:
    """Cards of ``names`` side by side; returns those that could be read."""
    cards = {}
    for col, name in zip(st.columns(len(names)), names):
        with col:
            card = try_card(name)
            if card is not None:
                model_card(name, card)
                cards[name] = card
    return cards


def _progress_callback(bar, label: str):
    def report(done: int, total: int, message: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {message} ({done}/{total})")

    return report


def data_panel() -> dict | None:
    """Data status, with buttons that fetch and build the data (same code as the CLI)."""
    status = dataset.data_status()
    if status:
        counts = status["counts"]
        st.success(f"Data built {status['built']}: {status['beats']:,} beats from "
                   f"{status['records']} records; intra-patient test split "
                   f"{sum(counts['test']):,} beats, DS2 {sum(counts['ds2']):,} beats.")
        return status

    if classroom():
        st.info("No data built yet. The comparison and learning pages work from the committed "
                "model cards, uploads are scored at once, and the Predict and Recordings pages "
                "offer real MIT-BIH examples in one click. This server is shared by a class "
                "(ECGDASH_CLASSROOM), so the data is built once by whoever runs it: "
                "`python -m ecgdash data build` (or `--source DIR`) in a terminal.")
        return None
    have_records = dataset.fetched()
    excerpts = excerpts_dir()
    st.info("No data built yet. The comparison and learning pages work from the committed model "
            "cards, uploads are scored at once, and the Predict and Recordings pages offer real "
            "MIT-BIH examples in one click; building the data unlocks the beat explorer on the "
            "full test split and the Train page.")
    if excerpts.is_dir():
        st.markdown(f"**Offline, in one click**: build from the excerpts that ship with ecgdash "
                    f"({len(EXCERPT_RECORDS)} MIT-BIH records, 5 minutes each, in its "
                    "`data/examples/`): enough to explore beats and train a model in class.")
        if st.button("Build from the shipped examples", type="primary", key="build_examples"):
            _build(examples=excerpts)
    source = st.text_input("Local WFDB folder (optional; empty = download the whole database "
                           "from PhysioNet)",
                           help="A folder with the MIT-BIH .hea/.dat/.atr files, if you have them. "
                                "Downloaded records go to ecgdash's data folder (data/mitdb).")
    label = "Build the data" if have_records and not source else "Fetch and build the whole database"
    if st.button(label, key="build_full"):
        _build(folder=source or None)
    return None


def _build(*, folder=None, examples=None) -> None:
    """``mitbih.fetch_and_build`` with a progress bar; messages on the page, a rerun when done."""
    bar = st.progress(0.0, text="starting…")
    try:
        summary = dataset.fetch_and_build(folder, examples=examples,
                                          fetch_progress=_progress_callback(bar, "fetch"),
                                          build_progress=_progress_callback(bar, "build"))
    except OfflineError as exc:
        bar.empty()
        st.error(f"{exc} If you have the database's files (.hea, .dat, .atr), enter their folder "
                 "in the field above and press the button again; or use **Build from the shipped "
                 "examples**, which needs no internet.")
        return
    except DataError as exc:
        bar.empty()
        st.error(str(exc))
        return
    except OSError as exc:
        bar.empty()
        st.error(f"Could not write the data: {exc}")
        return
    bar.progress(1.0, text=f"built {summary['beats']:,} beats in {summary['seconds_total']:.0f} s")
    st.rerun()


def beats_from_upload_or_stop(uploaded, *, rescale: bool):
    """Parse an uploaded beat file; on bad input show the error and stop this run."""
    try:
        return caches.parse_upload(uploaded, rescale=rescale)
    except DataError as exc:
        st.error(f"**{uploaded.name}** could not be used: {exc}")
        st.stop()


def beats_from_path_or_stop(path):
    """``(key, Beats)`` of a beat file on disk; on bad input show the error and stop this run."""
    try:
        return caches.parse_path(path)
    except (DataError, OSError) as exc:
        st.error(f"**{path}** could not be used: {exc}")
        st.stop()


def built_split_or_none(split: str, part: str):
    """``(key, Beats)`` of a built split, or None (with a note) when no data is built."""
    try:
        return caches.built_split(split, part)
    except DataError as exc:
        st.info(str(exc))
        return None


def models_or_stop(names=registry.PAIRS[registry.BEATS_PAIR]) -> dict:
    """Load the trained models (once per process); explain and stop if one is missing."""
    models = {}
    for name in names:
        try:
            models[name] = caches.get_model(name)
        except DataError as exc:
            st.error(f"**{registry.title(name)}** is not available: {exc}")
            st.stop()
    return models


def available_cards(names) -> dict[str, dict]:
    """The cards among ``names`` that can be read (quietly skipping the others)."""
    cards = {}
    for name in names:
        try:
            cards[name] = caches.get_card(name)
        except DataError:
            continue
    return cards


def glossary(*terms: str, label: str = "Words used here") -> None:
    """A folded box with the plain-words meaning of ``terms`` (``learn.GLOSSARY``)."""
    with st.expander(label, icon=":material/menu_book:"):
        st.markdown("\n".join(f"- **{t}**: {GLOSSARY[t]}" for t in terms))


def rows_height(rows: int) -> int:
    """A dataframe height that shows ``rows`` rows without an inner scroll bar."""
    return 38 + 35 * rows


def report_table(ev: dict) -> None:
    """The reference study's report (``tables.report_frame``): figures to 4 decimals, empty
    cells where a figure does not apply (as text: a missing number would show as "None"),
    every row label whole."""
    frame = report_frame(ev).reset_index().rename(columns={"": "class / average"})
    st.dataframe(text_cells(frame, digits=4, missing=""), hide_index=True,
                 height=rows_height(len(frame)),
                 column_config={c: st.column_config.Column(width=90 if c == "class / average" else 64)
                                for c in frame.columns})


def grid(items, per_row: int = 2):
    """``(column, item)`` pairs, ``per_row`` items to a row of columns (four tables stay readable)."""
    items = list(items)
    for start in range(0, len(items), per_row):
        yield from zip(st.columns(per_row), items[start:start + per_row])


def beat_columns(table) -> dict:
    """``column_config`` that names a beat table's columns for people ("Robust LSTM", "time (s)",
    not ``robust_lstm_class``) and shows confidences to 3 decimals; the data keeps its names."""
    names = {"beat": "beat", "time_s": "time (s)", "sample": "sample", "reference": "reference label",
             "label": "your label", "rr_before_s": "RR before (s)", "signal": "signal"}
    config = {}
    for column in table.columns:
        if column.endswith("_class"):
            config[column] = st.column_config.TextColumn(registry.title(column[:-len("_class")]))
        elif column.endswith("_confidence"):
            config[column] = st.column_config.NumberColumn(
                f"{registry.title(column[:-len('_confidence')])} confidence", format="%.3f")
        elif column in names:
            config[column] = st.column_config.Column(names[column])
    return config


def table_section(title: str, frame, caption: str, *, figure=None, key: str | None = None) -> None:
    """A titled table of figures (4 decimals, missing ones empty) under its caption, tall enough
    for every row; nothing at all when the table is empty. With ``figure`` (a chart of the same
    figures) the chart comes first, read at a glance, and the table is one click away."""
    if not len(frame):
        return
    st.subheader(title)
    st.caption(caption)
    table = lambda: st.dataframe(text_cells(frame, digits=4, missing=""), hide_index=True,  # noqa: E731
                                 height=rows_height(len(frame)))
    if figure is None:
        table()
        return
    st.plotly_chart(figure, key=key)
    with st.expander("The figures as a table"):
        table()


def text_cells(frame, *, digits: int = 4, missing: str = "n/a"):
    """``frame`` with numbers as text (floats to ``digits`` decimals) and missing values as
    ``missing``: Streamlit shows a missing number as "None", whatever the caption says."""
    def cell(v):
        if v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            return missing
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return str(v)

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_float_dtype(out[col]):
            out[col] = [cell(v) for v in out[col]]
    return out

_SLOT = "chosen_{}"     # session key of the model chosen for a slot (survives page changes)


def _keep_choice(kind: str) -> None:
    st.session_state[_SLOT.format(kind)] = st.session_state[f"slot_{kind}"]


def choose_pair(pair: str = registry.BEATS_PAIR) -> tuple[str, ...]:
    """The models of ``pair``, with a user's own models in their place where chosen.

    The sidebar's "Models" box lists, for the pair's LSTM and CNN, the shipped model and the
    models people trained on the Train page (``store.list_user_models``). The choice holds on
    every page until changed; "Use the shipped models" goes back in one click. Pairs other
    than the reference pair (user models are trained with its recipe) are returned as they are.
    """
    names = registry.PAIRS[pair]
    mine = store.list_user_models() if pair == registry.BEATS_PAIR else []
    if not mine:
        return names
    chosen = []
    with st.sidebar:
        st.markdown("**Models**")
        for shipped in names:
            kind = registry.spec(shipped).architecture
            options = [shipped] + [m for m in mine if m.startswith(f"{store.USER_PREFIX}{kind}-")]
            current = st.session_state.get(_SLOT.format(kind), shipped)
            if current not in options:
                current = shipped
            chosen.append(st.selectbox(
                kind.upper(), options, index=options.index(current), key=f"slot_{kind}",
                on_change=_keep_choice, args=(kind,),
                format_func=lambda n: f"{registry.title(n)} (shipped)" if n in registry.MODELS else f"{n} (yours)"))
        if tuple(chosen) != tuple(names) and st.button("Use the shipped models", key="slot_reset"):
            for shipped in names:
                kind = registry.spec(shipped).architecture
                st.session_state.pop(_SLOT.format(kind), None)
                st.session_state.pop(f"slot_{kind}", None)
            st.rerun()
    if tuple(chosen) != tuple(names):
        st.caption("Scored with: " + ", ".join(
            f"**{n}** (yours)" if n not in registry.MODELS else registry.title(n) for n in chosen)
            + ". The sidebar's **Use the shipped models** switches back.")
    return tuple(chosen)


def recording_or_ask_rate(key: str, source, fs, record=None):
    """``(Recording, fs)`` of a source; a signal file that does not say its sampling rate gets a
    prompt for it (common rates offered) and nothing else until it is answered. Other bad
    input raises DataError as ``caches.recording`` does."""
    try:
        return caches.recording(key, source, fs=fs, record=record), fs
    except RateNeeded as exc:
        note = st.empty()          # the warning only while no rate is chosen
        c1, c2 = st.columns(2)
        rates = [*RateNeeded.COMMON_RATES, "another rate"]
        chosen = c1.selectbox("Sampling rate", rates, index=None, placeholder="choose the rate…",
                              key=f"ask_rate_{key}",
                              format_func=lambda r: f"{r} Hz" if isinstance(r, int) else r)
        if chosen == "another rate":
            chosen = c2.number_input("Rate (Hz)", 50.0, 10_000.0, value=None, step=1.0,
                                     key=f"ask_rate_other_{key}")
        if chosen is None:
            note.warning(f"**{exc.name}** does not say its sampling rate: it has no time column. "
                         f"Choose the rate it was recorded at ({exc.samples:,} samples per lead: "
                         f"{exc.samples / 128:.0f} s at 128 Hz, {exc.samples / 360:.0f} s at 360 Hz, "
                         f"{exc.samples / 500:.0f} s at 500 Hz). Heart rate, beat shapes and the length "
                         "all depend on it; nothing is counted until it is known.")
            st.stop()
        note.caption(f"{exc.name}: read at {float(chosen):g} Hz, the rate you chose.")
        return caches.recording(key, source, fs=float(chosen), record=record), float(chosen)


def _short(name: str) -> str:
    """LSTM or CNN: what a gallery title has room for."""
    try:
        return registry.spec(name).architecture.upper()
    except DataError:                # a model not in the registry
        return registry.title(name)


def beat_gallery(beats, probas: dict, indices, *, key: str, limit: int = 24) -> None:
    """Small multiples of the beats ``indices`` (the first ``limit``), each titled with its
    number, each model's call and the label; below, a choice that opens one in the Beat
    explorer (no beat number typed by hand)."""
    indices = np.asarray(indices, dtype=int)
    shown = indices[:limit]
    if not len(shown):
        st.info("No beats here.")
        return
    titles = {}
    for i in shown:
        calls = " · ".join(f"{_short(n)} {CLASSES[int(p[i].argmax())]}" for n, p in probas.items())
        label = f" · true {CLASSES[int(beats.y[i])]}" if beats.y is not None else ""
        titles[int(i)] = f"#{i} {calls}{label}"
    st.plotly_chart(beat_figures.gallery_figure(beats.X[shown], list(titles.values())), key=f"{key}_fig")
    st.caption(f"{len(shown)} of {len(indices):,} beats" + (" (the first ones)" if len(indices) > limit else "")
               + "; the zero padding of each row is left out.")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pick = c1.selectbox("Look at one in the Beat explorer", list(titles), format_func=titles.get,
                        key=f"{key}_pick")
    if c2.button("Open in the Beat explorer", key=f"{key}_open"):
        open_in_explorer(int(pick))


def open_in_explorer(index: int) -> None:
    """Go to the Beat explorer showing beat ``index`` of the beats just scored."""
    st.session_state["beat_index"] = int(index)
    st.session_state["explorer_mode"] = "by number"
    st.switch_page("pages/explorer.py")


def beat_window(signal, fs: float, mark: int, marks, *, unit: str, key: str, seconds: float = 3.0,
                title: str = "") -> None:
    """At least ``seconds`` of ``signal`` around beat ``mark`` (samples), centred on its QRS, on
    ECG paper (a wide screen shows up to 10 s); ``marks``: every beat's position, dotted."""
    t, x = cutting.window_around(signal, fs, mark, 5.0, 5.0)
    marks = (np.asarray(marks, dtype=float) - mark) / fs
    marks = marks[np.abs(marks) <= 5.0]
    st.plotly_chart(beat_figures.beat_in_recording_figure(t, x, unit=unit, marks=marks, title=title,
                                                          shown_s=seconds), key=key)


def beat_in_its_recording(beats, index: int, *, key: str, seconds: float = 3.0) -> bool:
    """Beat ``index`` of built ``beats`` in its recording (``beat_window``) when its record is on
    this machine and holds a beat at that position; else a caption saying why only the row is
    known. Returns whether the recording was drawn."""
    if beats.record is None or beats.sample is None:
        st.caption("These rows carry no recording or position: only the row is known. A row in "
                   "the Kaggle layout starts at the beat's R peak, so its own P wave is not in it.")
        return False
    name, mark = str(beats.record[index]), int(beats.sample[index])
    path = dataset.source_record(name)
    if path is None:
        st.caption(f"Record {name} is not on this machine (data/mitdb), so only the row is shown.")
        return False
    try:
        rec = caches.recording(f"record:{path}", str(path))
        lead = dataset.built_lead(rec)
    except DataError as exc:
        st.caption(f"Record {name} could not be read ({exc}): only the row is shown.")
        return False
    positions = dataset.beat_marks(rec)
    if mark not in positions:
        st.caption(f"Record {name} on this machine has no beat at sample {mark:,} (another copy?): "
                   "only the row is shown.")
        return False
    beat_window(rec.signals[:, lead], rec.fs, mark, positions, unit=rec.unit, key=key, seconds=seconds,
                title=f"In its recording: record {name}, {rec.leads[lead]}, {mark / rec.fs:.2f} s")
    return True
