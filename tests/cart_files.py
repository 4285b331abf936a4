"""Small cart and Holter files written from their formats' specifications, for the formats without
a sample in shared/data/clinical: GE MUSE XML (restecg.dtd), ISHNE Holter 1.0 (ISHNE output
standard, 1998) and SCP-ECG (EN 1064: uncompressed Sections 0, 1, 3 and 6). Each holds a patient
whose fields must never show anywhere.

The signals: a synthetic 10-s ECG per lead (a beat every 0.8 s), in µV as whole numbers.
"""
from __future__ import annotations

import base64
import binascii
import struct

import numpy as np

PATIENT = {"last": "Testpatient", "first": "Jolanda", "id": "PID-778899"}


def synthetic(fs: float, seconds: float = 10.0, leads=("I", "II", "V1", "V2", "V3", "V4", "V5", "V6"),
              seed: int = 0) -> dict[str, np.ndarray]:
    """Per lead, an ECG-like signal in µV (whole numbers): QRS spikes every 0.8 s, a T wave, noise;
    each lead its own amplitude (lead k: (0.5 + 0.15 k) mV)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * fs)) / fs
    out = {}
    for k, lead in enumerate(leads):
        x = np.zeros_like(t)
        for beat in np.arange(0.4, seconds, 0.8):
            x += np.exp(-0.5 * ((t - beat) / 0.012) ** 2) * (0.5 + 0.15 * k)
            x += np.exp(-0.5 * ((t - beat - 0.28) / 0.05) ** 2) * 0.2
        out[lead] = np.round((x + rng.normal(0, 0.01, len(t))) * 1000).astype(np.int16)
    return out


def muse_xml(leads: dict[str, np.ndarray], fs: int = 500, uv_per_bit: float = 1.0) -> bytes:
    """A GE MUSE RestingECG export: patient demographics, a Rhythm waveform of base64 little-endian
    16-bit samples per lead (LeadAmplitudeUnitsPerBit in MICROVOLTS)."""
    blocks = []
    for name, samples in leads.items():
        data = base64.b64encode(np.asarray(samples, "<i2").tobytes()).decode()
        blocks.append(f"""    <LeadData>
      <LeadByteCountTotal>{2 * len(samples)}</LeadByteCountTotal>
      <LeadTimeOffset>0</LeadTimeOffset>
      <LeadSampleCountTotal>{len(samples)}</LeadSampleCountTotal>
      <LeadAmplitudeUnitsPerBit>{uv_per_bit}</LeadAmplitudeUnitsPerBit>
      <LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits>
      <LeadHighLimit>32767</LeadHighLimit>
      <LeadLowLimit>-32768</LeadLowLimit>
      <LeadID>{name}</LeadID>
      <LeadOffsetFirstSample>0</LeadOffsetFirstSample>
      <FirstSampleBaseline>0</FirstSampleBaseline>
      <LeadSampleSize>2</LeadSampleSize>
      <LeadOff>FALSE</LeadOff>
      <BaselineSway>FALSE</BaselineSway>
      <LeadDataCRC32></LeadDataCRC32>
      <WaveFormData>{data}</WaveFormData>
    </LeadData>""")
    return f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE RestingECG SYSTEM "restecg.dtd">
<RestingECG>
  <MuseInfo><MuseVersion>8.0.2.10132</MuseVersion></MuseInfo>
  <PatientDemographics>
    <PatientID>{PATIENT['id']}</PatientID>
    <PatientAge>61</PatientAge>
    <AgeUnits>YEARS</AgeUnits>
    <DateofBirth>03-14-1965</DateofBirth>
    <Gender>FEMALE</Gender>
    <PatientLastName>{PATIENT['last']}</PatientLastName>
    <PatientFirstName>{PATIENT['first']}</PatientFirstName>
  </PatientDemographics>
  <TestDemographics>
    <AcquisitionDate>11-30-2026</AcquisitionDate>
    <AcquisitionTime>09:15:00</AcquisitionTime>
  </TestDemographics>
  <Waveform>
    <WaveformType>Rhythm</WaveformType>
    <WaveformStartTime>0</WaveformStartTime>
    <NumberofLeads>{len(leads)}</NumberofLeads>
    <SampleType>CONTINUOUS_SAMPLES</SampleType>
    <SampleBase>{fs}</SampleBase>
    <SampleExponent>0</SampleExponent>
{chr(10).join(blocks)}
  </Waveform>
</RestingECG>
""".encode("iso-8859-1")


ISHNE_CODES = {"I": 5, "II": 6, "III": 7, "aVR": 8, "aVL": 9, "aVF": 10, "V1": 11, "V2": 12, "V3": 13,
               "V4": 14, "V5": 15, "V6": 16}


def ishne(leads: dict[str, np.ndarray], fs: int = 200, nv_per_bit: int = 1000) -> bytes:
    """An ISHNE 1.0 Holter file: magic, CRC-CCITT of the header, the 512-byte fixed header
    (names, ID, leads, resolution in nV, rate), no variable block, interleaved 16-bit samples."""
    names = list(leads)
    n = len(next(iter(leads.values())))
    h = bytearray(512)

    def put(offset, fmt, *values):
        struct.pack_into(fmt, h, offset - 10, *values)

    put(10, "<i", 0)                          # variable-length block size
    put(14, "<i", n)                          # samples per lead
    put(18, "<i", 522)                        # offset of the variable block
    put(22, "<i", 522)                        # offset of the ECG block
    put(26, "<h", 1)                          # file version
    put(28, "40s", PATIENT["first"].encode())
    put(68, "40s", PATIENT["last"].encode())
    put(108, "20s", PATIENT["id"].encode())
    put(128, "<hh", 2, 1)                     # sex, race
    put(132, "<hhh", 14, 3, 1965)             # birth date (day, month, year)
    put(138, "<hhh", 30, 11, 2026)            # recording date
    put(144, "<hhh", 30, 11, 2026)            # file date
    put(150, "<hhh", 9, 15, 0)                # start time
    put(156, "<h", len(names))
    put(158, "<12h", *([ISHNE_CODES.get(x, 1) for x in names] + [-9] * (12 - len(names))))
    put(182, "<12h", *([-9] * 12))            # lead quality: not given
    put(206, "<12h", *([nv_per_bit] * len(names) + [-9] * (12 - len(names))))
    put(230, "<h", 0)                         # no pacemaker
    put(232, "40s", b"digital")
    put(272, "<h", fs)
    data = np.column_stack([np.asarray(leads[x], "<i2") for x in names]).tobytes()
    crc = binascii.crc_hqx(bytes(h), 0xFFFF)
    return b"ISHNE1.0" + struct.pack("<H", crc) + bytes(h) + data


SCP_CODES = {"I": 1, "II": 2, "V1": 3, "V2": 4, "V3": 5, "V4": 6, "V5": 7, "V6": 8, "III": 61, "aVR": 62,
             "aVL": 63, "aVF": 64}


def _scp_section(sid: int, body: bytes) -> bytes:
    body += b"\0" * (len(body) % 2)                             # sections have an even length
    rest = struct.pack("<HIBB6s", sid, 16 + len(body), 20, 20, b"\0" * 6) + body
    return struct.pack("<H", binascii.crc_hqx(rest, 0xFFFF)) + rest


def scp_ecg(leads: dict[str, np.ndarray], fs: int = 500, nv_per_bit: int = 1000) -> bytes:
    """An SCP-ECG record (protocol 2.0): Section 1 (patient: last name, first name, ID), Section 3
    (the leads), Section 6 (rhythm data, 16-bit samples, no compression), each with its CRC."""
    names = list(leads)
    n = len(next(iter(leads.values())))
    tags = b"".join(struct.pack("<BH", tag, len(v)) + v for tag, v in
                    ((0, PATIENT["last"].encode() + b"\0"), (1, PATIENT["first"].encode() + b"\0"),
                     (2, PATIENT["id"].encode() + b"\0"), (14, b"\0" * 40 + b"\x14\x14")))
    s1 = tags + struct.pack("<BH", 255, 0)
    s3 = struct.pack("<BB", len(names), 0x04) + b"".join(struct.pack("<IIB", 1, n, SCP_CODES[x]) for x in names)
    data = [np.asarray(leads[x], "<i2").tobytes() for x in names]
    s6 = struct.pack("<HHBB", nv_per_bit, int(round(1e6 / fs)), 0, 0) + b"".join(
        struct.pack("<H", len(d)) for d in data) + b"".join(data)
    bodies = {1: s1, 3: s3, 6: s6}
    sections = {sid: _scp_section(sid, body) for sid, body in bodies.items()}
    pointer_count = 12                                          # Sections 0-11, as the standard asks
    s0_len = 16 + 10 * pointer_count
    offset, pointers = 6 + s0_len, [struct.pack("<HII", 0, s0_len, 7)]
    for sid in range(1, pointer_count):
        if sid in sections:
            pointers.append(struct.pack("<HII", sid, len(sections[sid]), offset + 1))
            offset += len(sections[sid])
        else:
            pointers.append(struct.pack("<HII", sid, 0, 0))
    s0 = _scp_section(0, b"".join(pointers))
    body = s0 + b"".join(sections[sid] for sid in sorted(sections))
    size = 6 + len(body)
    rest = struct.pack("<I", size) + body
    return struct.pack("<H", binascii.crc_hqx(rest, 0xFFFF)) + rest
