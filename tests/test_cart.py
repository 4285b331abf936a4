"""12-lead files from hospital carts (and a Holter's ISHNE), read through ecgdatakit: the samples of
shared/data/clinical and pydicom's DICOM, files written here from the specifications of the formats
without a sample (GE MUSE XML, SCP-ECG, ISHNE); cut and damaged files; patient fields that must
never show; the 12-lead sheet on the page and in the PDF; the command line."""
from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text

from ecgdash import DataError, analyze_record, read_recording
from ecgdash.cli import main
from ecgdash.io.cart import cart_format
from ecgdash.io.leads import TWELVE
from ecgdash.pipeline.batch import find_recordings
from ecgdash.report import printable, twelve_lead

sys.path.insert(0, str(Path(__file__).parent))
from cart_files import PATIENT, ishne, muse_xml, scp_ecg, synthetic  # noqa: E402

from conftest import RECORDS  # noqa: E402
from ecgdash.report.predictions import beat_table

CLINICAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "clinical"
SAMPLES = {   # file: (format, rate, seconds)
    "hl7-aecg_example.xml": ("HL7 aECG", 500, 10.0),
    "philips-sierra-1.03_129DYPRG.xml": ("Philips Sierra XML", 500, 11.0),
    "philips-sierra-1.04.01_example.xml": ("Philips Sierra XML", 500, 11.0),
}
#: What the sample files say of their (fictional) patients: none of it may show.
SAMPLE_PATIENTS = ["Clark", "subject1", "1112010721168bdc", "642341"]


def _dicom() -> Path:
    pydicom_data = pytest.importorskip("pydicom.data")
    return Path(pydicom_data.get_testdata_file("waveform_ecg.dcm"))


def _check_twelve(rec, fs):
    assert rec.leads == list(TWELVE) and rec.fs == fs and rec.unit == "mV"
    span = np.ptp(rec.signals, axis=0)
    assert np.all((span > 0.2) & (span < 8.0)), dict(zip(rec.leads, span.round(2)))   # millivolts, not µV


@pytest.mark.parametrize("name", list(SAMPLES))
def test_the_clinical_samples_read_with_their_leads_rate_and_millivolts(name, tmp_path):
    if not (CLINICAL / name).is_file():
        pytest.skip(f"{CLINICAL / name} is not here")
    fmt, fs, seconds = SAMPLES[name]
    renamed = tmp_path / "export.bin"                 # by content: the name says nothing
    renamed.write_bytes((CLINICAL / name).read_bytes())
    rec = read_recording(renamed)
    _check_twelve(rec, fs)
    assert rec.source_format == fmt and rec.kind == "cart" and abs(rec.duration - seconds) < 0.01


def test_the_dicom_waveform_of_pydicom():
    rec = read_recording(_dicom())
    _check_twelve(rec, 1000)
    assert rec.source_format == "DICOM Waveform" and abs(rec.duration - 10.0) < 0.01


@pytest.mark.parametrize("maker, fs, suffix, fmt", [(muse_xml, 500, "xml", "GE MUSE XML"),
                                                    (scp_ecg, 500, "scp", "SCP-ECG"),
                                                    (ishne, 200, "ecg", "ISHNE Holter")])
def test_written_files_and_the_limb_leads_computed_from_i_and_ii(maker, fs, suffix, fmt, tmp_path):
    leads = synthetic(fs)                              # 8 leads in µV: I, II, V1-V6
    path = tmp_path / f"cart.{suffix}"
    path.write_bytes(maker(leads, fs=fs))
    rec = read_recording(path)
    assert rec.source_format == fmt and rec.fs == fs and rec.leads == list(TWELVE)
    col = {lead: rec.signals[:, i] for i, lead in enumerate(rec.leads)}
    # the stored leads, scaled from µV to mV
    assert np.allclose(col["V3"], leads["V3"] / 1000.0) and np.allclose(col["I"], leads["I"] / 1000.0)
    # the computed ones, from Einthoven's and Goldberger's relations on the file's own numbers
    i, ii = leads["I"] / 1000.0, leads["II"] / 1000.0
    assert np.allclose(col["III"], ii - i) and np.allclose(col["aVR"], -(i + ii) / 2)
    assert np.allclose(col["aVL"], i - ii / 2) and np.allclose(col["aVF"], ii - i / 2)
    assert any("computed from leads I and II" in w for w in rec.warnings)


def _sources(tmp_path):
    out = {"muse.xml": muse_xml(synthetic(500)), "scp.scp": scp_ecg(synthetic(500)),
           "holter.ecg": ishne(synthetic(200), fs=200), "dicom.dcm": _dicom().read_bytes()}
    out.update({name: (CLINICAL / name).read_bytes() for name in SAMPLES if (CLINICAL / name).is_file()})
    return out


@pytest.mark.parametrize("damage", ["cut in half", "bytes overwritten"])
def test_cut_and_damaged_files_get_one_line_naming_the_format(damage, tmp_path):
    for name, data in _sources(tmp_path).items():
        fmt = cart_format(data)
        assert fmt, name
        if damage == "cut in half":
            bad = data[: len(data) // 2]
        else:              # the header kept (so the format is known), the body garbled
            rng = np.random.default_rng(0)
            bad = bytearray(data)
            where = np.arange(4096, len(bad), 7)
            bad[4096::7] = rng.integers(0, 256, len(where), dtype=np.uint8).tobytes()
            bad = bytes(bad)
        path = tmp_path / name
        path.write_bytes(bad)
        try:
            rec = read_recording(path)
        except DataError as exc:
            message = str(exc)
            assert "\n" not in message and "Traceback" not in message, message
            assert fmt in message and name in message, message
            assert str(tmp_path) not in message.replace(str(path), "")     # no temporary path of ours
        else:       # a garbled body that still decodes must still be a plausible recording
            assert rec.leads and rec.fs > 0 and np.isfinite(rec.signals).any(), name


def test_the_command_line_refuses_a_damaged_file_in_one_line(tmp_path, capsys):
    path = tmp_path / "cart.xml"
    path.write_bytes(muse_xml(synthetic(500))[:3000])
    assert main(["record", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "GE MUSE XML" in err and "cart.xml" in err, err


def _texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(Text))


def test_patient_fields_show_nowhere(tmp_path, tiny_cnn, caplog):
    """Name, ID and birth date are in these files; none reaches the recording, the beat table,
    the PDF's text, its metadata, or the log."""
    caplog.set_level(logging.DEBUG)
    files = {"muse.xml": muse_xml(synthetic(500)), "scp.scp": scp_ecg(synthetic(500))}
    if (CLINICAL / "hl7-aecg_example.xml").is_file():
        files["aecg.xml"] = (CLINICAL / "hl7-aecg_example.xml").read_bytes()
    secrets = list(PATIENT.values()) + SAMPLE_PATIENTS + ["1965", "1953"]
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = analyze_record(path, models=tiny_cnn)
        rec = result.recording
        said = " ".join([rec.name, " ".join(rec.leads), " ".join(result.warnings), " ".join(rec.warnings),
                         result.trust.sentence, result.trust.facts.to_csv(), beat_table(result).to_csv()])
        pdf = printable.recording_report(result, cards={})
        pages = [printable.twelve_lead_page(rec), printable.recording_page(result, cards={})]
        for secret in secrets:
            assert secret not in said, (name, secret)
            assert secret.encode() not in pdf, (name, secret)
            assert all(secret not in _texts(page) for page in pages), (name, secret)
            assert secret not in caplog.text, (name, secret)


def test_a_ten_second_resting_ecg_is_classified_on_lead_ii_and_the_trust_note_says_what_it_cannot(
        tmp_path, tiny_cnn):
    path = tmp_path / "ecg.dcm"
    path.write_bytes(_dicom().read_bytes())
    result = analyze_record(path, models=tiny_cnn)
    assert result.lead == "II" and 5 <= len(result.beats) <= 25
    # a clean 1000-Hz strip is readable: its quality is measured where the detectors work (360 Hz)
    assert result.readable.all() and set(result.segments["level"]) == {"good"}
    facts = result.trust.facts.set_index("what")
    assert "what a resting ECG from a cart can show" in facts.index
    assert "no reference labels" in result.trust.sentence and f"{len(result.beats)} beats" in result.trust.sentence
    other = analyze_record(path, lead="V5", models=tiny_cnn)
    assert other.lead == "V5"


def test_the_sheet_puts_each_lead_in_its_place(tmp_path):
    rec = read_recording(_dicom())
    sheet = twelve_lead.layout(rec)
    where = {(p.row, p.x0): p.lead for p in sheet.panels}
    assert [where[(r, 0.0)] for r in range(4)] == ["I", "II", "III", "II"]
    assert [where[(0, c * 2.5)] for c in range(4)] == ["I", "aVR", "V1", "V4"]
    assert [where[(2, c * 2.5)] for c in range(4)] == ["III", "aVF", "V3", "V6"]
    # each panel is its own 2.5 s of the recording, one after the other; the rhythm strip all 10 s
    v4 = next(p for p in sheet.panels if p.lead == "V4")
    assert len(v4.t) == 2500 and abs(v4.t[-1] - 2.499) < 1e-9
    assert len(sheet.panels[-1].t) == 10_000
    # on paper: 25 mm/s and 10 mm/mV, squares kept square
    fig = twelve_lead.twelve_lead_figure(sheet)
    assert fig.layout.xaxis.minor.dtick == 0.04 and fig.layout.yaxis.minor.dtick == 0.1
    assert fig.layout.yaxis.scaleratio == 0.4
    # in the PDF: a sheet of 10.45 s at 25 mm/s, each lead drawn once (the rhythm strip twice)
    page = printable.twelve_lead_page(rec)
    drawn = [line.get_gid() for line in page.findobj(lambda o: hasattr(o, "get_gid") and str(o.get_gid()).startswith("lead:"))]
    assert sorted(set(drawn)) == sorted(f"lead:{x}" for x in TWELVE) and drawn.count("lead:II") == 2
    ax = next(a for a in page.axes if a.get_label() == "12-lead sheet")
    width_mm = ax.get_position().width * printable.PAGE_MM[0]
    assert abs(width_mm - (ax.get_xlim()[1] - ax.get_xlim()[0]) * 25) < 0.01
    # a recording without the twelve leads gets no sheet
    assert not twelve_lead.can_draw(["MLII", "V1"])


def test_the_report_of_a_cart_file_has_the_sheet_first(tmp_path, tiny_cnn):
    result = analyze_record(_dicom(), models=tiny_cnn)
    pages = printable.recording_pages(result, cards={})
    labels = [[ax.get_label() for ax in page.axes] for page in pages]
    assert len(pages) == 2 and "12-lead sheet" in labels[0] and "rhythm strip" in labels[1]
    pdf = printable.recording_report(result, cards={})
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2
    mlii = analyze_record(RECORDS / "208", models=tiny_cnn)
    assert len(printable.recording_pages(mlii, cards={})) == 1          # two leads: no sheet


def test_batch_finds_cart_files_by_content(tmp_path):
    (tmp_path / "a.xml").write_bytes(muse_xml(synthetic(500)))
    (tmp_path / "b").write_bytes(scp_ecg(synthetic(500)))                # no suffix at all
    (tmp_path / "notes.xml").write_bytes(b"<?xml version='1.0'?><notes>not an ECG</notes>")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    found = find_recordings(tmp_path)
    assert [rid for rid, _ in found] == ["a", "b"]


def test_the_command_line_reads_a_cart_file_and_writes_its_report(tmp_path, tiny_store, monkeypatch, capsys):
    monkeypatch.setenv("ECGDASH_MODELS_DIR", str(tiny_store))
    path = tmp_path / "resting.xml"
    path.write_bytes(muse_xml(synthetic(500)))
    out, report = tmp_path / "beats.csv", tmp_path / "report.pdf"
    assert main(["record", str(path), "--models", "cnn", "--out", str(out), "--report", str(report)]) == 0
    assert report.read_bytes()[:5] == b"%PDF-" and out.read_text().count("\n") >= 10
    said = capsys.readouterr()
    assert PATIENT["last"] not in said.out + said.err and PATIENT["id"] not in out.read_text()


def test_the_recordings_page_shows_the_sheet_and_no_patient_field(app_env):
    """Recordings: a GE MUSE export with its patient's name and ID, uploaded under a plain name,
    opens with the 12-lead sheet and lead II chosen; no element of the page holds a patient field."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/recording.py").run()
    at.file_uploader(key="record_upload").set_value(("export", muse_xml(synthetic(500)),
                                                     "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    charts = {chart.key: chart for chart in at.get("plotly_chart")}
    assert "sheet" in charts and "strip" in charts
    assert next(box for box in at.selectbox if box.label == "Lead").value == "II"
    spec = json.loads(charts["sheet"].proto.spec)
    labels = [a["text"] for a in spec["layout"]["annotations"]]
    assert sorted(set(labels)) == sorted(f"<b>{lead}</b>" for lead in TWELVE)
    shown = [str(e.value) for kind in ("markdown", "caption", "success", "info", "warning", "subheader",
                                         "title", "metric") for e in at.get(kind) if hasattr(e, "value")]
    shown += [e.value.to_csv() for e in at.dataframe] + [json.dumps(json.loads(c.proto.spec)) for c in charts.values()]
    shown += [str(e.proto) for e in at.get("table")]
    page = " ".join(shown)
    assert "GE MUSE XML" in page or "computed from leads I and II" in page
    for secret in PATIENT.values():
        assert secret not in page, secret


def test_a_twelve_lead_csv_and_a_ptb_xl_style_record_get_the_same_sheet(tmp_path):
    import wfdb

    leads = synthetic(500, leads=TWELVE)
    names = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]   # as PTB-XL names them
    signals = np.column_stack([leads[x] / 1000.0 for x in TWELVE])
    csv = tmp_path / "twelve.csv"
    np.savetxt(csv, signals, delimiter=",", fmt="%.4f", header=",".join(names), comments="")
    wfdb.wrsamp("00001_hr", fs=500, units=["mV"] * 12, sig_name=names, p_signal=signals, fmt=["16"] * 12,
                write_dir=str(tmp_path))
    for rec in (read_recording(csv, fs=500), read_recording(tmp_path / "00001_hr")):
        sheet = twelve_lead.layout(rec)
        avr = next(p for p in sheet.panels if p.lead == "aVR")
        assert avr.file_lead == "AVR" and np.allclose(avr.mv + np.median(signals[:, 3]), signals[1250:2500, 3], atol=0.2)
