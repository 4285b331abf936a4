"""Streamlit building blocks shared by the pages (display only: no parsing, training or metrics)."""
from __future__ import annotations

import streamlit as st

from .. import dataset, registry
from ..config import data_dir
from ..errors import DataError, OfflineError
from ..tables import trained_on
from . import caches


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
        st.caption(f"on the {ev.get('test_set', 'test set')} ({ev['n']:,} beats); trained on "
                   f"{split}, seed {card.get('seed')}, {card.get('trained', '?')}{prior}")


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
    mitdb = data_dir() / dataset.MITDB
    have_records = mitdb.is_dir() and any(mitdb.glob("*.hea"))
    st.info("No data built yet. The comparison and learning pages work from the committed model "
            "cards, uploads are scored at once, and the Predict and Recordings pages offer real "
            "MIT-BIH examples in one click; building the data unlocks the beat explorer on the "
            "full test split and the Train page.")
    source = st.text_input("Local WFDB folder (optional; empty = download from PhysioNet)",
                           help="A folder with the MIT-BIH .hea/.dat/.atr files, if you have them. "
                                f"Downloaded records go to {mitdb}.")
    label = "Build the data" if have_records and not source else "Fetch and build the data"
    if st.button(label, type="primary"):
        bar = st.progress(0.0, text="starting…")
        try:
            if source or not have_records:
                dataset.fetch(source=source or None, progress=_progress_callback(bar, "fetch"))
            summary = dataset.build(progress=_progress_callback(bar, "build"))
        except OfflineError as exc:
            bar.empty()
            st.error(f"{exc} If you have the database's files (.hea, .dat, .atr), enter their "
                     "folder in the field above and press the button again.")
            return None
        except DataError as exc:
            bar.empty()
            st.error(str(exc))
            return None
        except OSError as exc:
            bar.empty()
            st.error(f"Could not write the data: {exc}")
            return None
        bar.progress(1.0, text=f"built {summary['beats']:,} beats in {summary['seconds_total']:.0f} s")
        st.rerun()
    return None


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
    from ..learn import GLOSSARY

    with st.expander(label, icon=":material/menu_book:"):
        st.markdown("\n".join(f"- **{t}**: {GLOSSARY[t]}" for t in terms))


def rows_height(rows: int) -> int:
    """A dataframe height that shows ``rows`` rows without an inner scroll bar."""
    return 38 + 35 * rows


def report_table(ev: dict) -> None:
    """The reference study's report (``tables.report_frame``): empty cells where a figure does
    not apply, every row label whole."""
    from ..tables import report_frame

    frame = report_frame(ev).reset_index().rename(columns={"": "class / average"})
    st.dataframe(frame.style.format(precision=4, na_rep=""), hide_index=True,
                 height=rows_height(len(frame)),
                 column_config={"class / average": st.column_config.TextColumn(width="medium")})
