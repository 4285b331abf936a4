"""Train: train a model with live progress, compare its card with the current one, keep or discard."""
import streamlit as st

from ecgdash import figures, registry, store, training
from ecgdash.dashboard import blocks, caches
from ecgdash.errors import DataError
from ecgdash.recipes import CLASSROOM, preset

st.title("Train a model")

try:
    (_, train), (_, test) = caches.built_split("intra", "train"), caches.built_split("intra", "test")
except DataError:
    st.info("Training needs the built data: use the button on the Overview page, or run "
            "`python -m ecgdash data build --source DIR` in a terminal.")
    st.stop()

with st.form("train_form"):
    c1, c2, c3, c4 = st.columns(4)
    kind = c1.selectbox("Model", registry.PAIRS["reference"][::-1], key="train_kind",
                        format_func=registry.title)
    epochs = c2.number_input("Max epochs", 1, 200, CLASSROOM.epochs, key="train_epochs")
    sizes = [64, 128, 256, 512]
    batch = c3.selectbox("Batch size", sizes, index=sizes.index(CLASSROOM.batch_size), key="train_batch")
    subset = c4.number_input(f"Subset of beats (0 = all {len(train):,})", 0, len(train),
                             min(CLASSROOM.subset, len(train)), 1000, key="train_subset")
    go = st.form_submit_button("Train", type="primary")

if go:
    config = preset("reference", epochs=int(epochs), batch_size=int(batch), subset=int(subset) or None)
    bar = st.progress(0.0, text="starting…")
    chart = st.empty()
    rows = []

    def on_epoch(epoch, total, row):
        rows.append(row)
        bar.progress(epoch / total, text=f"epoch {epoch}/{total}: val macro-F1 "
                                         f"{row['val_macro_f1']:.4f}, {row['seconds']:.1f} s")
        chart.plotly_chart(figures.training_figure(rows), key=f"live_{epoch}")

    with st.status(f"Training the {kind.upper()}…", expanded=True) as status:
        caches.load_tensorflow()
        model, card = training.train_model(kind, train, config=config, test=test, on_epoch=on_epoch)
        status.update(label=f"Done: best epoch {card['best_epoch']} of {card['epochs_run']}",
                      state="complete")
    st.session_state["candidate"] = (kind, model, card)

if "candidate" in st.session_state:
    kind, model, card = st.session_state["candidate"]
    st.subheader("The new model beside the current one")
    left, right = st.columns(2)
    with left:
        current = blocks.try_card(kind)
        if current:
            blocks.model_card(kind, current)
    with right:
        blocks.model_card(f"new {kind}", card)
    advice = training.one_class_advice(card)
    if advice:
        st.warning(advice)
    keep, discard = st.columns(2)
    if keep.button(f"Keep it: replace trained_models/{kind}.keras", type="primary", key="keep"):
        try:
            store.save_model(kind, model, card)
        except (DataError, OSError) as exc:
            st.error(f"Could not save: {exc}")
        else:
            del st.session_state["candidate"]
            st.success(f"Saved. Every page now uses the new {kind.upper()} "
                       "(sessions already scoring keep the old one until they finish).")
    if discard.button("Discard it", key="discard"):
        del st.session_state["candidate"]
        st.rerun()
