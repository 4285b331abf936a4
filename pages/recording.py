"""Recordings: upload a continuous ECG, find the beats, classify each with both models."""
from dataclasses import replace

import numpy as np
import streamlit as st

from ecgdash.config import CLASS_NAMES, CLASSES, data_dir
from ecgdash.dashboard import blocks, caches
from ecgdash.ecg import calipers
from ecgdash.ecg.baseline import WANDER_S
from ecgdash.ecg.clusters import AFTER_S as CLUSTER_AFTER_S
from ecgdash.ecg.clusters import BEFORE_S as CLUSTER_BEFORE_S
from ecgdash.ecg.clusters import CLUSTERS, split_group
from ecgdash.ecg.quality import NOISY_BELOW, UNREADABLE_BELOW
from ecgdash.errors import DataError
from ecgdash.evaluation import seen
from ecgdash.evaluation.trust import lead_words
from ecgdash.io.examples import examples
from ecgdash.io.recording import MIN_SECONDS
from ecgdash.io.uploads import upload_records
from ecgdash.models import registry
from ecgdash.pipeline.record import MODEL_LEAD
from ecgdash.report import beat_figures, ecg_paper, predictions, printable, recording_figures, twelve_lead
from ecgdash.report.tables import review_f1_table
from ecgdash.review.calls import cluster_smoothed, reviewed_analysis
from ecgdash.review.files import EXTENSION, annotation_name, read_review, review_annotations, review_csv
from ecgdash.review.questions import manual_splits, next_questions
from ecgdash.review.session import NOT_SURE, Review
from ecgdash.teaching import learn

st.title("Recordings: beats in a continuous ECG")
st.caption("Upload a WFDB record (.hea + .dat, optionally .atr; several files at once or one .zip), "
           "an EDF/BDF file, a 12-lead ECG from a cart (HL7 aECG, Philips or GE MUSE XML, SCP-ECG, DICOM; "
           "an ISHNE Holter), an Apple Health ECG export, or a CSV/TXT with one column per lead (a "
           f"time column is detected; without one you are asked for the sampling rate); {MIN_SECONDS:g} seconds or "
           "more. Beats are taken "
           "from the .atr annotations when present, otherwise found by a QRS detector, cut like "
           "the Kaggle rows, and classified by both models.")

mitdb = data_dir() / "mitdb"
local = sorted(p.stem for p in mitdb.glob("*.hea")) if mitdb.is_dir() else []
samples = {e.key: e for e in examples(kind="recording") + examples(kind="strip")}
sources = ["Upload files"] + (["An example"] if samples else []) + (
    ["A record from data/mitdb"] if local else [])
choice = st.radio("Recording", sources, horizontal=True, key="record_source") if len(sources) > 1 else sources[0]
fs = record = None
if choice == "Upload files":
    # any name: a file is recognised by its content (a cart's export may be .xml, .dcm, .scp, .ecg or none)
    files = st.file_uploader("Record files", accept_multiple_files=True, key="record_upload")
    if not files:
        st.info("Upload e.g. `100.hea`, `100.dat` and `100.atr` from PhysioNet's MIT-BIH database, "
                "or pick an example.")
        st.stop()
    key, source = caches.uploads_key(files), [(f.name, f.getvalue()) for f in files]
    try:
        held = upload_records(source)
    except DataError as exc:
        st.error(str(exc))
        st.stop()
    if len(held) > 1:
        record = st.selectbox("The upload holds several recordings: show", held, key=f"upload_record:{key}")
        key = f"{key}:{record}"
    # a rate typed here replaces the one a CSV's time column gives (read from the last run: the
    # box is drawn below, only for a CSV whose rate is known; one without a rate is asked for it)
    fs = st.session_state.get("csv_fs")
elif choice == "An example":
    example = samples[st.selectbox("Example", list(samples), format_func=lambda k: samples[k].title,
                                   key="record_example")]
    st.caption("From the MIT-BIH Arrhythmia Database (PhysioNet, ODC-By 1.0); see data/examples/README.md.")
    key, source, fs = f"example:{example.key}", str(example.path), example.fs
else:
    name = st.selectbox("Record", local)
    key, source = f"local:{name}", str(mitdb / name)

pair = st.radio("Models", ["robust", "reference"], horizontal=True, key="model_pair",
                format_func=lambda p: registry.PAIR_TITLES[p] + ("; default" if p == registry.RECORDINGS_PAIR else ""))
names = blocks.choose_pair(pair)
blocks.models_or_stop(names)
try:
    recording, fs = blocks.recording_or_ask_rate(key, source, fs, record)
    if choice == "Upload files" and recording.kind == "csv" and f"ask_rate_{key}" not in st.session_state:
        st.number_input("Sampling rate of the CSV/TXT (Hz)", 50.0, 10_000.0, value=None, step=1.0,
                        placeholder=f"{recording.fs:g}, from the file's time column", key="csv_fs",
                        help="Empty: the rate the file's time column gives. Type another to read the "
                             "file at that rate.")
    c1, c2, c3 = st.columns(3)
    lead = c1.selectbox("Lead", recording.leads, index=recording.leads.index(recording.default_lead()),
                        help="The models were trained on MLII (channel 0 of MIT-BIH); lead II "
                             "is the nearest of a 12-lead ECG, and the default.")
    invert = c1.toggle("Flip the lead", value=False, key="record_invert",
                       help="Turns the signal upside down: only for electrodes you know were swapped. A "
                            "QRS that points down is normal in many leads, and on such records of another "
                            "database flipping lowered the models (the trust note's facts give the figures).")
    detector = c2.toggle("Find beats with the QRS detector", value=False,
                         help="Even when the file has beat annotations (.atr): lets you judge the "
                              "detector against them.")
    elsewhere = learn.adaptation_elsewhere(blocks.available_cards(registry.PAIRS["robust"]))
    adapt = c3.toggle("Adapt to this recording", value=False, key="record_adapt",
                      help="Label-free: each model re-estimates how common N, S and V beats are "
                           "in this person from its own calls, and weighs borderline beats by it. "
                           "Off by default: the rule was chosen on MIT-BIH, and it stays off until a "
                           "rule validated on a second database replaces it"
                           + (f" (on another database, from the model cards: {elsewhere})." if elsewhere else "."))
    result = caches.analyze(key, recording, fs=fs, lead=lead, use_annotations=not detector,
                            names=names, invert=invert, adapt=adapt)
except DataError as exc:
    st.error(str(exc))
    st.stop()

rec = result.recording
trust = result.trust
{"expected": st.success, "seen": st.info, "reduced": st.info, "hints": st.warning,
 "unreadable": st.error}[trust.level](f"**How far to trust it:** {trust.sentence}")
with st.expander("The numbers behind it"):
    st.table(trust.facts.set_index("what"))      # wrapped: no fact cut short
    if result.segments is not None:
        st.caption("Signal quality per 10-s segment: the agreement (0-1) of the best two of three QRS detectors; "
                   f"below {UNREADABLE_BELOW:g} the segment is unreadable, below {NOISY_BELOW:g} noisy (levels chosen on "
                   "DS1 records with added noise).")
for warning in result.warnings:
    st.warning(warning)
if rec.kind == "csv":
    st.caption(f"Read as a CSV signal at {rec.fs:g} Hz.")
if rec.source_format:
    st.caption(f"Read as a {rec.source_format} file: {len(rec.leads)} leads at {rec.fs:g} Hz. Only the leads "
               "are read; the patient's details in the file are never shown or kept.")
st.caption(f"The models were trained on lead {MODEL_LEAD} (channel 0 of MIT-BIH). This "
           f"recording's beats come from **{lead_words(result.lead)}**.")
blocks.glossary("MLII", "adaptation", "any-rate path", "macro-F1")

hr = result.heart_rate
m1, m2, m3, m4 = st.columns(4)
m1.metric("duration", f"{rec.duration / 60:.1f} min" if rec.duration >= 120 else f"{rec.duration:.0f} s")
m2.metric("beats", f"{len(result.beats):,}")
m3.metric("median heart rate", f"{hr['bpm'].median():.0f} /min")
m4.metric("beats from", result.source)
if result.detection:
    d = result.detection
    st.info(f"QRS detector against the annotated beats (±{d['tolerance_s'] * 1000:.0f} ms): "
            f"sensitivity **{d['sensitivity']:.4f}**, positive predictivity **{d['ppv']:.4f}** "
            f"({d['tp']:,} found, {d['fn']:,} missed, {d['fp']:,} extra).")


def twelve_lead_sheet(rec, key: str) -> None:
    """The twelve leads as a cart prints them, when the recording has them."""
    if not twelve_lead.can_draw(rec.leads):
        return
    st.subheader("The 12-lead ECG")
    start = 0.0
    if rec.duration > twelve_lead.SHEET_S + 1:
        start = st.slider(f"The sheet's {twelve_lead.SHEET_S:g} s start at (s)", 0.0, float(rec.duration - twelve_lead.SHEET_S), 0.0,
                          step=1.0, key="sheet_at")
    fig = caches.figure(f"{key}:{start}", twelve_lead.sheet_figure, rec, start_s=start)
    st.plotly_chart(fig, key="sheet", config={"scrollZoom": False})
    sheet = f"{start:.0f}-{start + twelve_lead.SHEET_S:.0f} s" if rec.duration > twelve_lead.SHEET_S + 1 else f"{twelve_lead.SHEET_S:g} s"
    panel, grid = twelve_lead.PANEL_S, twelve_lead.GRID[0]
    st.caption(f"As a cart prints it ({sheet}): each row of {panel:g}-s panels follows on in time "
               f"({', '.join(grid)} show the first, second, third and fourth {panel:g} s), lead "
               f"{twelve_lead.RHYTHM_LEAD} runs along the bottom for the whole {twelve_lead.SHEET_S:g} s. "
               + (f"ECG paper at {calipers.square_words()}. The pulse at each row's start is {twelve_lead.CAL_MV:g} mV "
                  f"({twelve_lead.CAL_MV * calipers.PAPER_GAIN:g} mm high)."
                           if rec.unit == "mV" else f"The signal is in {rec.unit}, not mV: each lead is "
                           "scaled to its row and only the time grid is true.")
               + " Drawn with the baseline wander taken away.")


@st.fragment
def beat_views(result, key: str, names, pair: str, lead, detector: bool, invert: bool) -> None:
    """From the rhythm strip down: selecting a beat in the table moves the strip to it and
    re-runs this part of the page only (not the reading, the analysis or the trust note)."""
    rec = result.recording
    table = predictions.beat_table(result)
    selected = st.session_state.get("beat_table", {}).get("selection", {}).get("rows", [])
    center = float(table["time_s"].iloc[selected[0]]) if selected else None
    # drawn without its baseline wander (a Holter's drift of millivolts would leave the ECG a thin
    # band on a tall axis); the models read the recording as it is
    signal = caches.without_wander(f"{key}:{lead}:{invert}", rec.signals[:, rec.lead_index(lead)], rec.fs)
    center = rhythm_strip(result, signal, table, center)
    rate_and_counts(result)
    against_reference(result)
    beats_table(result, signal, table, selected, key=key, names=names, pair=pair, lead=lead, detector=detector,
                invert=invert)
    downloads(result, table, center)


def rhythm_strip(result, signal, table, center):
    """The rhythm strip with each model's calls, on ECG paper with calipers if asked; returns
    the strip's centre (s; None: from the start)."""
    rec = result.recording
    classes = {name: table[f"{name}_class"].to_numpy() for name in result.probas}
    reference = table["reference"].to_numpy() if "reference" in table else None
    segments = result.segments
    unreadable = ([] if segments is None else
                  segments.loc[segments["level"] == "unreadable", ["start_s", "end_s"]].to_numpy().tolist())
    p1, p2, p3 = st.columns([2, 1, 1])
    paper = p1.toggle("ECG paper and calipers", key="record_paper",
                      help="The standard grid: small squares of 1 mm, large of 5 mm, at the paper "
                           "speed and gain chosen. Drag across the strip (say from one R peak to the "
                           "next) to read the interval in ms and as a heart rate.")
    whole = p1.toggle("The whole recording under the strip", key="record_whole", disabled=paper,
                      help="A range slider over the whole record, to drag the strip along it. Slower to "
                           "redraw: off, the strip is redrawn in a fraction of the time after each "
                           "click of a template review or drag of a caliper.")
    if center is None and rec.duration > 20:
        center = st.slider("Strip centred at (s)", 5.0, float(max(5.0, rec.duration - 5)), 5.0, step=1.0,
                           key="strip_at", help="Or select a beat in the table below: the strip centres on it.")
    # by default the strip is light (15 s either side of the window, drawn as SVG): it is
    # redrawn after each caliper drag and each click of a template review
    fig = recording_figures.rhythm_strip(
        signal, rec.fs, table["time_s"].to_numpy(), classes, center=center, reference=reference,
        lead=result.lead, unit=rec.unit, unreadable=unreadable, height=520 if paper else 460,
        overview=whole and not paper)
    if paper:
        speed = p2.selectbox("Paper speed", ecg_paper.SPEEDS, key="paper_speed",
                             format_func=lambda v: f"{v:g} mm/s")
        gain = p3.selectbox("Gain", ecg_paper.GAINS, index=ecg_paper.GAINS.index(calipers.PAPER_GAIN),
                            key="paper_gain", format_func=lambda v: f"{v:g} mm/mV")
        lo, hi = fig.layout.xaxis.range
        ecg_paper.on_paper(fig, speed_mm_s=speed, gain_mm_mv=gain, millivolts=rec.unit == "mV",
                           span=(max(0.0, lo - recording_figures.LIGHT_PAD_S), hi + recording_figures.LIGHT_PAD_S))
        fig.update_layout(dragmode="select")
        # the reading first (from the drag's state), so it shows before the strip is redrawn
        boxes = ((st.session_state.get("strip") or {}).get("selection") or {}).get("box") or []
        if boxes:
            reading = calipers.caliper(*boxes[-1]["x"][:2])
            st.success(f"**Caliper:** {reading.sentence(speed)}.")
        else:
            st.caption("Calipers: drag across the strip, from one point to another (e.g. R to R), "
                       "to read the interval.")
        st.plotly_chart(fig, key="strip", on_select="rerun", selection_mode="box")
        if rec.unit != "mV":
            st.caption(f"The signal is in {rec.unit}, not mV: only the time grid is drawn.")
    else:
        st.plotly_chart(fig, key="strip")
    st.caption(f"Drawn with the baseline wander taken away (a running median of {WANDER_S:g} s): the "
               "models read the recording as it is.")
    return center


def rate_and_counts(result) -> None:
    """Heart rate and beats per class; before and after adapting, when the models adapted."""
    hr = result.heart_rate
    a, b = st.columns(2)
    a.plotly_chart(recording_figures.heart_rate_figure(hr["time_s"].to_numpy(), hr["bpm"].to_numpy()), key="hr")
    b.plotly_chart(recording_figures.counts_figure(result.counts), key="counts")

    if result.unadapted:
        with st.expander("Before and after adapting to this recording"):
            st.caption("The same beats, scored by the same models: as trained, and weighed by this "
                       "person's own share of N, S and V beats, estimated from the models' calls (no "
                       "label read). Judging a beat by the person's own standard carries over to new people.")
            before, after = result.unadapted_counts, result.counts.loc[list(result.unadapted_counts.index)]
            st.dataframe(before.add_suffix(" before").join(after[list(before.columns)].add_suffix(" after")))
            for name, q in result.unadapted_quality.items():
                now = result.model_quality[name]
                st.caption(f"{registry.title(name)} against the reference: accuracy {q['accuracy']:.3f} → "
                           f"{now['accuracy']:.3f}, macro-F1 {q['macro_f1']:.3f} → {now['macro_f1']:.3f}.")



def against_reference(result) -> None:
    """Each model against the recording's reference labels, with what flatters the score."""
    quality = result.quality_frame()
    if len(quality):
        st.subheader("Each model against the reference labels")
        quality["model"] = quality["model"].map(registry.title)
        st.dataframe(blocks.text_cells(quality, digits=3, missing="n/a"), hide_index=True)
        st.caption("n/a: no reference beat of that class (sensitivity), or the model called none "
                   "(positive predictivity).")
        for name in result.probas:
            note = seen.seen_note(name, result.seen.get(name), what="this recording's beats")
            found = result.rhythm.get(name)
            if not note and found is not None and found.share >= seen.RHYTHM_SHARE:
                note = (f"{registry.title(name)} trained on {found.record}, which this recording comes from "
                        f"(its rhythm lines up with it over {found.share:.0%} of the beats): this score "
                        "flatters it. On people it never saw it scores lower (Compare, DS2).")
            if note:
                st.warning(note)
        if not result.readable.all():
            st.caption(f"{int((~result.readable).sum())} beats in unreadable stretches are left out.")



def beats_table(result, signal, table, selected, *, key: str, names, pair: str, lead, detector: bool,
                invert: bool) -> None:
    """The beat table; the selected beat in its recording, labelled by hand, explained."""
    rec = result.recording
    st.subheader("Beats")
    st.caption("Select a row to move the rhythm strip to that beat.")
    st.dataframe(table, hide_index=True, height=320, on_select="rerun", selection_mode="single-row",
                 key="beat_table", column_config=blocks.beat_columns(table))
    if selected:
        index = int(selected[0])
        blocks.beat_window(signal, rec.fs, int(result.beats.sample[index]), result.beats.sample, unit=rec.unit,
                           key="record_beat_window",
                           title=f"beat {index} at {table['time_s'].iloc[index]:.2f} s, centred on its QRS")
        st.caption(f"The recording around the selected beat's mark, on ECG paper ({calipers.PAPER_WORDS} "
                   "when the signal is in mV); the other beats' marks are dotted. The shaded band is where "
                   "a beat's own P wave usually lies.")
        label_one_beat(result, index, f"{key}:{lead}:{detector}:{invert}")
    if selected and st.toggle("Explain the selected beat", key="record_explain"):
        index = int(selected[0])
        maps = caches.explain_beat(f"{key}:{pair}:{lead}:{detector}:{invert}", result.beats, index, names=names)
        called = {n: CLASSES[int(result.probas[n][index].argmax())] for n in names}
        title = f"beat {index} at {table['time_s'].iloc[index]:.2f} s: each model's own call"
        st.plotly_chart(beat_figures.attribution_figure(result.beats.X[index], maps, title, classes=called),
                        key="record_explain_fig")
        st.caption("Integrated gradients towards the class named above each panel, the model's call "
                   "(red: pushed towards it, blue: away, white: no effect; grey band: zero padding, not "
                   "signal). The robust models also use the RR intervals and the local template, "
                   "which are held fixed here: only the beat's own samples are attributed.")



def downloads(result, table, center) -> None:
    """The beat table as CSV, the printable report as PDF."""
    rec = result.recording
    d1, d2 = st.columns(2)
    d1.download_button("Download the beat table (CSV)", table.to_csv(index=False, na_rep="n/a").encode(),
                       file_name=f"{rec.name}_beats.csv", mime="text/csv")
    # made only when clicked (about a second): the strip's 10 s around the selected beat
    d2.download_button("Printable report (PDF)", key="record_pdf", on_click="ignore",
                       data=lambda: printable.recording_report(
                           result, center=center, cards=caches.cards_known(result.probas)),
                       file_name=f"{rec.name}_report.pdf", mime="application/pdf",
                       help=("A4 pages: the 12-lead sheet first when the recording has the twelve leads, "
                             if twelve_lead.can_draw(rec.leads) else "One A4 page: ")
                       + f"{printable.STRIP_S:g} s of the rhythm strip on ECG paper (around the selected "
                         "beat, else from the start) with each model's calls, the beats per class, "
                         "the trust note with its facts, and what the models' cards say.")


def label_one_beat(result, index: int, review_key: str) -> None:
    """A class for the selected beat alone (a per-beat answer of the template review)."""
    now = result.labels[index] if result.labels is not None else -1
    st.markdown(f"**Label beat {index} yourself**" + (f" (your label now: {CLASSES[now]})" if now >= 0 else "")
                + ": both models' calls of it follow.")
    for col, label in zip(st.columns(6), CLASSES):
        if col.button(label, key=f"beat_label:{label}", help=CLASS_NAMES[label], use_container_width=True):
            reviews = st.session_state.setdefault("reviews", {})
            reviews[review_key] = (reviews.get(review_key) or Review(len(result.beats))).answer(
                [index], label, key=f"beat {index}")
            st.rerun()          # the whole page: the review, the strip, the counts


def template_review(result, key: str):
    """Template review: the question first, one click per label; both models' calls follow the
    labels. Returns the analysis the rest of the page shows (its calls reviewed once a beat is
    labelled). ``key`` names the analysed beats (recording, lead, beat finder): a review belongs
    to them, whichever pair of models scores them."""
    st.subheader("Template review: label groups of beats, both models follow")
    st.caption("As Holter software does: the beats are grouped by shape and timing, you label a group "
               "and every beat in it takes your label; then the parts that a model disputes are asked "
               "next. A label you give wins over both models; beats nobody labelled keep the models' calls.")
    rec, n = result.recording, len(result.beats)
    reviews = st.session_state.setdefault("reviews", {})
    review = reviews.get(key) or Review(n)

    def give(beats, label, q_key="beats", kind="beats"):
        reviews[key] = (reviews.get(key) or Review(n)).answer(beats, label, key=q_key, kind=kind)

    c1, c2 = st.columns([3, 1])
    k = c2.slider("Clusters", 2, 12, CLUSTERS, key="clusters_k",
                  help="More clusters split mixed ones (an early beat of usual shape among usual beats) "
                       "at the cost of a few more clicks. Labels already given stay.")
    groups = caches.clusters(key, rec.signals[:, rec.lead_index(result.lead)], rec.fs, result.beats.sample, k=k)
    splits = st.session_state.setdefault("review_splits", {}).setdefault(f"{key}:{k}", [])
    asked = [q for q in manual_splits(splits, review, result.probas) if q.key not in review.asked]
    asked += next_questions(review, groups.cluster, result.probas, readable=result.readable,
                            shapes=groups.shapes, limit=8)
    c1.markdown(f"**{review.sentence()}**" if review.clicks else
                "**No label yet.** Answer the question below: one click labels every beat it shows.")
    u1, u2, _ = c1.columns([1, 1, 3])
    u1.button("Undo", key="review_undo", icon=":material/undo:", disabled=not review.clicks,
              on_click=lambda: reviews.__setitem__(key, (reviews.get(key) or Review(n)).undo()))
    u2.button("Start over", on_click=lambda: reviews.pop(key, None), disabled=not review.clicks,
              key="review_reset")
    if asked:
        question_panel(asked, groups, rec.unit, give, review.clicks)
    else:
        st.success("Nothing left to ask: every beat has a label, and no model disputes one.")
    clusters_panel(groups, review, result.readable, rec.unit, give, splits)
    vote = st.toggle("Let each cluster vote, without a label", value=False, key="review_vote",
                     help="Each beat's probabilities drawn half way towards its cluster's mean (beats that "
                          "look and come alike are called more alike); labels you give still win. Off by "
                          "default: measured out of fold on svdb-dev it raised both models' mean F1 of N, S "
                          "and V, but on DS1 it lowered the CNN's (studies/template_review).")
    base = replace(result, probas=cluster_smoothed(result.probas, groups.cluster)) if vote else result
    shown = reviewed_analysis(base, review) if review.reached else base
    if review.clicks or vote:
        table = review_f1_table(result, shown)
        if table is not None:
            st.dataframe(blocks.text_cells(table, digits=3, missing="n/a"), hide_index=True)
            st.caption("Each model's F1 per class against the file's annotations, as the model calls the "
                       "beats and after your labels (a labelled beat takes your label in both models' calls)"
                       + (" and the clusters' vote" if vote else "") + ". n/a: no beat of the class in the file.")
    review_files(review, result, shown, key)
    return shown


def question_panel(asked, groups, unit: str, give, clicks: int) -> None:
    """The questions, best first; the chosen one's beats drawn, and a button per answer."""
    pick = st.radio("Question", range(len(asked)), key=f"review_pick:{clicks}",
                    format_func=lambda i: ("Next: " if i == 0 else "") + asked[i].why,
                    help="Ranked by how many beats one click settles. Pick another to answer it instead.")
    q = asked[pick]
    st.markdown(f"**These {q.size:,} beat{'s are' if q.size != 1 else ' is'}:**")
    for col, label in zip(st.columns(6), list(CLASSES) + [NOT_SURE]):
        col.button(label, key=f"answer:{label}", on_click=give, args=(q.beats, label, q.key, q.kind),
                   help=CLASS_NAMES.get(label, "Skip it: no label, and it is not asked again."),
                   use_container_width=True)
    st.caption(" · ".join(f"**{c}** {CLASS_NAMES[c].lower()}" for c in CLASSES)
               + " · **not sure**: skip it (it is not asked again)")
    left, right = st.columns([3, 2])
    others = np.setdiff1d(np.flatnonzero(groups.cluster == q.cluster), q.beats) if q.kind != "cluster" else None
    left.plotly_chart(beat_figures.question_figure(groups.t, groups.shapes, q.beats, others=others, unit=unit,
                                                   now=CLASSES[q.now] if q.now >= 0 else None),
                      key="review_question_fig")
    right.markdown(f"**{q.size:,} beat{'s' if q.size != 1 else ''}**"
                   + (f", labelled {CLASSES[q.now]} now" if q.now >= 0 else ", no label yet")
                   + ". Their median (thick), a few of them and the band of the middle 80 %"
                   + ("; dashed: the rest of their cluster." if others is not None and len(others) else "."))
    calls = "  \n".join(f"{registry.title(m)}: " + ", ".join(f"{CLASSES[i]} {c:,}" for i, c in enumerate(v) if c)
                        for m, v in q.calls.items())
    right.caption(f"The models call them:  \n{calls}")


def clusters_panel(groups, review, readable, unit: str, give, splits: list) -> None:
    """Every cluster with what the labels say of it; label several at once, or split one."""
    with st.expander(f"All {groups.k} clusters: label, merge or split them yourself"):
        st.plotly_chart(beat_figures.clusters_figure(groups, unit=unit, labels=review.by_cluster(groups.cluster)),
                        key="clusters_fig")
        st.caption(f"Each panel: a cluster's median beat from {CLUSTER_BEFORE_S:g} s before its mark to {CLUSTER_AFTER_S:g} s after (red line: "
                   "the mark), the band its middle 80 % of beats span, how early they come against the local "
                   "rhythm, and your labels.")
        m1, m2, m3 = st.columns([3, 1, 1])
        chosen = m1.multiselect("Clusters", range(groups.k), format_func=lambda c: f"#{c + 1}", key="review_merge")
        label = m2.selectbox("are", list(CLASSES), key="review_merge_label")
        beats = np.flatnonzero(np.isin(groups.cluster, chosen) & readable)
        m3.button("Label them", key="review_merge_go", disabled=not len(beats), on_click=give,
                  args=(beats, label, "clusters " + "+".join(f"#{c + 1}" for c in chosen), "cluster"),
                  help="One click for several clusters (merge them): every beat of them takes the label.")
        s1, s2 = st.columns([3, 2])
        which = s1.selectbox("Split a cluster in two (by shape and timing)", range(groups.k),
                             format_func=lambda c: f"#{c + 1}", key="review_split")

        def split(c=which):
            a, b = split_group(groups.features, np.flatnonzero((groups.cluster == c) & readable))
            splits.extend([(c, 1, a), (c, 2, b)])

        s2.button("Split it", key="review_split_go", on_click=split,
                  help="Its two parts become the first questions above.")


def review_files(review, result, shown, key: str) -> None:
    """The review as CSV and as WFDB annotations (made on click), and a saved one to go on with."""
    rec = result.recording
    reviews, loaded_from = st.session_state["reviews"], st.session_state.setdefault("review_loaded", {})
    d1, d2, d3 = st.columns(3)
    d1.download_button("Download the review (CSV)", disabled=not review.clicks, key="review_csv", on_click="ignore",
                       data=lambda: review_csv(review, result.beats.sample, rec.fs, probas=result.probas,
                                               reviewed=shown.probas, reference=result.reference),
                       file_name=f"{rec.name}_review.csv", mime="text/csv",
                       help="A row per beat: your label and the click that gave it, each model's call "
                            "before and after. Upload it here again to go on.")
    d2.download_button("Download as WFDB annotations", key="review_wfdb", on_click="ignore",
                       disabled=not review.reached,
                       data=lambda: next(iter(review_annotations(review, result.beats.sample, rec.fs,
                                                                 record=rec.name).values())),
                       file_name=f"{annotation_name(rec.name)}.{EXTENSION}", mime="application/octet-stream",
                       help="The labelled beats with the standard beat symbols (N, S, V, F, Q), readable "
                            "with wfdb.rdann(record, 'review'); upload it here again to go on.")
    # any name: the file is recognised by its content (a review CSV or a WFDB annotation file)
    saved = d3.file_uploader("Go on with a saved review", key=f"review_upload:{key}",
                             help="A review CSV or annotation file saved here for this recording.")
    if saved is not None and loaded_from.get(key) != caches.upload_key(saved):
        try:
            reviews[key], sentence = read_review(saved.getvalue(), saved.name, result.beats.sample, rec.fs)
        except DataError as exc:
            st.error(str(exc))
        else:
            loaded_from[key] = caches.upload_key(saved)
            st.session_state["review_note"] = sentence
            st.rerun()
    if note := st.session_state.pop("review_note", None):
        st.success(note)


twelve_lead_sheet(rec, key)
shown = template_review(result, f"{key}:{lead}:{detector}:{invert}")
beat_views(shown, key, names, pair, lead, detector, invert)
