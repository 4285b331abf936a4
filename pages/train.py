"""Train: train a model with live progress, set it beside the shipped one on the same test beats,
keep it as your own (never replacing the shipped models) or discard it."""
import streamlit as st

from ecgdash.config import classroom
from ecgdash.dashboard import blocks, caches
from ecgdash.errors import DataError
from ecgdash.evaluation import seen
from ecgdash.models import registry, store
from ecgdash.pipeline import scoring
from ecgdash.report import model_figures, tables
from ecgdash.training import reference as training
from ecgdash.training.recipes import CLASSROOM, preset

st.title("Train a model")

try:
    (_, train), (test_key, test) = caches.built_split("intra", "train"), caches.built_split("intra", "test")
except DataError:
    st.info("Training needs the built data: on the Overview page, **Build from the shipped "
            "examples** works offline in one click (or build the whole database there), or run "
            "`python -m ecgdash data build --source DIR` in a terminal.")
    st.stop()

shared = classroom()
st.caption(f"Trains on the built data's intra-patient training part: {len(train):,} beats of "
           f"{tables.records_words(training.records_of(train))}. " + (
               "This server is shared by a class (ECGDASH_CLASSROOM): what you train is yours for "
               "this session and is not saved; the models everyone uses stay as they are." if shared else
               "What you train is yours: it is saved under a new name in your own model folder, and "
               "the shipped models stay as they are."))

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
st.caption("Training runs while this page stays open: going to another page, reloading or closing "
           "the tab stops it, and the run is lost (the shipped models are never touched). For long "
           "runs use the command line, which resumes after an interruption: "
           "`python -m ecgdash train --model cnn`.")

if go:
    config = preset("reference", epochs=int(epochs), batch_size=int(batch), subset=int(subset) or None)
    bar = st.progress(0.0, text="starting…")
    chart = st.empty()
    rows = []

    def on_epoch(epoch, total, row):
        rows.append(row)
        bar.progress(epoch / total, text=f"epoch {epoch}/{total}: val macro-F1 "
                                         f"{row['val_macro_f1']:.4f}, {row['seconds']:.1f} s")
        chart.plotly_chart(model_figures.training_figure(rows), key=f"live_{epoch}")

    with st.status(f"Training the {kind.upper()}…", expanded=True) as status:
        caches.load_tensorflow()
        model, card = training.train_model(kind, train, config=config, test=test, on_epoch=on_epoch)
        status.update(label=f"Done: best epoch {card['best_epoch']} of {card['epochs_run']}",
                      state="complete")
    st.session_state["candidate"] = (kind, model, card)

if "candidate" in st.session_state:
    kind, model, card = st.session_state["candidate"]
    st.subheader("Your new model beside the shipped one, on the same test beats")
    ev = card["evaluation"]
    st.caption(f"Trained on {tables.trained_on(card)}; both scored on {tables.scored_on(ev)}.")
    blocks.models_or_stop((kind,))
    shipped = scoring.metrics_per_model(test, caches.score_beats(test_key, test, (kind,)))[kind]
    left, right = st.columns(2)
    for col, title, e in ((left, f"shipped {registry.title(kind)}", shipped), (right, f"new {kind.upper()}", ev)):
        with col:
            st.markdown(f"**{title}**")
            m1, m2 = st.columns(2)
            m1.metric("accuracy", f"{e['accuracy']:.4f}")
            m2.metric("macro-F1", f"{e['macro_f1']:.4f}")
            blocks.report_table(e)
    seen_share = caches.seen_share(test_key, kind, test.X)
    if note := seen.seen_note(kind, seen_share, what="these test beats"):
        st.warning(f"Not a fair race: the shipped {note}")
    advice = training.one_class_advice(card)
    if advice:
        st.warning(advice)
    keep, discard = st.columns(2)
    name = store.next_user_name(card["kind"])
    if shared:
        keep.caption("Not saved: on a shared server (ECGDASH_CLASSROOM) nothing is written for one "
                     "user. Run ecgdash on your own computer to keep what you train.")
    elif keep.button(f"Keep it as {name}", type="primary", key="keep",
                     help=f"Saved in your model folder ({store.user_models_dir()}); the shipped "
                          "models are never replaced."):
        try:
            saved = store.save_user_model(model, card)
        except (DataError, OSError) as exc:
            st.error(f"Could not save: {exc}")
        else:
            del st.session_state["candidate"]
            st.session_state["saved_as"] = saved
            st.rerun()
    if discard.button("Discard it", key="discard"):
        del st.session_state["candidate"]
        st.rerun()

if saved := st.session_state.pop("saved_as", None):
    st.success(f"Saved as **{saved}**. The shipped models are unchanged; choose {saved} in the "
               "sidebar's **Models** box on Predict, Beat explorer, Recordings and Compare.")

mine = store.list_user_models()
if mine:
    st.subheader("Your models")
    st.caption(f"In {store.user_models_dir()}. " + ("Kept by whoever runs this server; on a shared "
               "server they cannot be deleted from the page." if shared else
               "Deleting one does not touch the shipped models."))
    for name in mine:
        c1, c2 = st.columns([5, 1])
        try:
            mcard = store.load_card(name)
        except DataError as exc:
            c1.warning(f"**{name}**: {exc}")
            continue
        mev = mcard.get("evaluation") or {}
        score = (f"; accuracy {mev['accuracy']:.4f}, macro-F1 {mev['macro_f1']:.4f} on "
                 f"{tables.scored_on(mev)}" if mev else "")
        c1.markdown(f"**{name}**: {mcard['params']:,} parameters, {mcard.get('epochs_run', '?')} "
                    f"epochs; trained on {tables.trained_on(mcard)}{score}")
        if not shared and c2.button("Delete", key=f"delete_{name}"):
            try:
                store.delete_user_model(name)
            except DataError as exc:
                st.error(str(exc))
            else:
                st.rerun()
