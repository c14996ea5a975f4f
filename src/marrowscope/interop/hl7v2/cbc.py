"""A blood count in: an ORU^R01 (v2.3.1, 2.5 or 2.5.1) read into a ``CbcImport``.

Read with the tolerant ``er7_reader`` so that what real analysers and LIS send is taken
(Z-segments, Latin-1, timestamps without zone, LOINC as the alternate identifier in
OBX-3.4-3.6, vendor unit spellings, ``<^0.01`` bounds). Anything that would make the
count doubtful (no MR identifier of the configured authority, a value that is not a
number, values collected at different times, a value sent twice) refuses the whole
message with ``InvalidMessage`` before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marrowscope.domain.errors import InvalidMessage
from marrowscope.interop.codes import CbcImport, PatientIdentity, analyte_for_loinc
from marrowscope.interop.hl7v2.er7_reader import Er7Message, Segment, decode, read_er7
from marrowscope.interop.units import table_unit

__all__ = [
    "InboundRules",
    "SUPPORTED_VERSIONS",
    "parse_ts",
    "pid_identity",
    "pid_mrn",
    "read_cbc_oru",
    "read_header",
]

SUPPORTED_VERSIONS = ("2.3.1", "2.5", "2.5.1")
_SKIPPED_STATUS = {"X", "D", "W", "I", "N"}  # no value to file: not done, deleted, wrong...
_COMPARATORS = {"<", ">", "<=", ">="}
# OBX-14 of one count differ by the seconds the analyser takes between channels
_SAME_DRAW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class InboundRules:
    """Site settings for incoming messages (``config.Settings``, passed by the caller)."""

    assigning_authority: str = ""  # PID-3.4 of the hospital MRN; '' accepts MR of any
    timezone: str = "UTC"  # the lab's zone, for timestamps sent without an offset
    # the identifier type of providers (HL7 table 0203, e.g. NPI): the XCN repetition of
    # that type or authority is taken as the ordering provider's; '' takes the first
    provider_id_type: str = ""

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidMessage(
                f"lab timezone {self.timezone!r} is not a time zone name", code="207"
            ) from None


@dataclass(frozen=True, slots=True)
class Header:
    """MSH fields an importer needs before reading further (duplicates, ACK)."""

    sender: str  # MSH-3^MSH-4
    control_id: str  # MSH-10
    kind: str  # MSH-9 e.g. ORU^R01
    version: str  # MSH-12


def read_header(message: Er7Message, versions: tuple[str, ...] = SUPPORTED_VERSIONS) -> Header:
    """Sender, control id, type and version; refuses a version not in ``versions`` (AR)."""
    msh = message.msh
    kind = "^".join(p for p in (msh.component(9, 1), msh.component(9, 2)) if p)
    version = msh.component(12, 1)
    if version not in versions:
        raise InvalidMessage(
            f"HL7: version {version or '(none)'} is not supported; send " + ", ".join(versions),
            reject=True,
            code="203",
        )
    if not msh.field(10):
        raise InvalidMessage("MSH-10: the message control id is missing", reject=True, code="101")
    sender = f"{msh.component(3, 1)}^{msh.component(4, 1)}"
    return Header(sender, msh.unescape(msh.field(10)), kind, version)


def parse_ts(value: str, where: str, zone: ZoneInfo) -> datetime:
    """An HL7 DTM (to the minute at least); without offset it is read in the lab's zone."""
    match = re.fullmatch(r"(\d{12})(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?", value.strip())
    if match is None:
        raise InvalidMessage(
            f"{where}: {value!r} is not an HL7 date/time to the minute", code="102"
        )
    minutes, seconds, offset = match.groups()
    try:
        naive = datetime.strptime(minutes + (seconds or "00"), "%Y%m%d%H%M%S")
    except ValueError:
        raise InvalidMessage(f"{where}: {value!r} is not a valid date/time", code="102") from None
    if offset is None:
        return naive.replace(tzinfo=zone)
    sign = 1 if offset[0] == "+" else -1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return naive.replace(tzinfo=timezone(sign * delta))


def pid_mrn(pid: Segment, rules: InboundRules) -> str:
    """PID-3 chosen by identifier type MR and the configured assigning authority."""
    candidates = []
    for rep in pid.repetitions(3):
        value, authority, kind = (pid.component(3, i, rep) for i in (1, 4, 5))
        authority = authority.split(pid.separators[3])[0]
        if value and kind == "MR" and authority == (rules.assigning_authority or authority):
            candidates.append(value)
    reps = pid.repetitions(3)
    if not candidates and not rules.assigning_authority and len(reps) == 1:
        only = pid.component(3, 1, reps[0])  # a lone untyped id (common in 2.3.1 senders)
        if only and not pid.component(3, 5, reps[0]):
            candidates.append(only)
    if len(set(candidates)) != 1:
        wanted = f"MR of {rules.assigning_authority}" if rules.assigning_authority else "MR"
        found = "no" if not candidates else "more than one"
        raise InvalidMessage(
            f"PID-3: {found} patient identifier of type {wanted}; nothing was filed",
            code="204" if candidates or reps else "101",
        )
    return candidates[0]


def pid_identity(pid: Segment) -> PatientIdentity:
    dob = pid.field(7)[:8]
    try:
        birth = date(int(dob[:4]), int(dob[4:6]), int(dob[6:8])) if len(dob) == 8 else None
    except ValueError:
        raise InvalidMessage(f"PID-7: {dob!r} is not a date of birth", code="102") from None
    name = pid.repetitions(5)[0] if pid.repetitions(5) else ""
    return PatientIdentity(
        family_name=pid.component(5, 1, name).split(pid.separators[3])[0],
        given_name=pid.component(5, 2, name),
        birth_date=birth,
        sex=pid.component(8, 1),
    )


def _value(obx: Segment, where: str) -> tuple[float, str]:
    """OBX-5 as (number, comparator): NM, or SN with an optional comparator."""
    kind = obx.field(2)
    raw = obx.field(5)
    if kind == "SN":
        comparator, number, separator = (obx.component(5, i) for i in (1, 2, 3))
        if separator:
            raise InvalidMessage(f"{where}: OBX-5 {raw!r} is a range or ratio", code="102")
        comparator = "" if comparator == "=" else comparator
    elif kind == "NM":
        inline = re.fullmatch(r"\s*(<=|>=|<|>)?\s*(.*?)\s*", obx.unescape(raw))
        comparator, number = (inline.group(1) or "", inline.group(2)) if inline else ("", raw)
    else:
        raise InvalidMessage(f"{where}: OBX-2 must be NM or SN for a count", code="102")
    if comparator and comparator not in _COMPARATORS:
        raise InvalidMessage(f"{where}: OBX-5 comparator {comparator!r} is unknown", code="102")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", number):
        raise InvalidMessage(f"{where}: OBX-5 {raw!r} is not a number", code="102")
    return float(number), comparator


def _loinc(obx: Segment) -> str:
    """The LOINC code of OBX-3: the identifier or the alternate identifier coded LN."""
    for code, system in ((1, 3), (4, 6)):
        if obx.component(3, system) in ("LN", "LOINC") and obx.component(3, code):
            return obx.component(3, code)
    return ""


def _status(obr_statuses: list[str], obx_statuses: list[str]) -> str:
    every = obr_statuses + obx_statuses
    if "C" in every:
        return "corrected"
    if any(s in ("P", "R", "S", "A") for s in every):
        return "preliminary"
    return "final"


def read_cbc_oru(message: str | bytes, rules: InboundRules | None = None) -> CbcImport:
    """A blood count from an ORU^R01: OBX mapped by LOINC, values checked, one draw."""
    rules = rules or InboundRules()
    zone = rules.zone()
    parsed = read_er7(decode(message))
    header = read_header(parsed)
    if header.kind != "ORU^R01":
        raise InvalidMessage(
            f"HL7: message type {header.kind or '(none)'} is not supported; send ORU^R01",
            reject=True,
            code="200",
        )
    pids = parsed.named("PID")
    if len(pids) != 1:
        text = "the PID segment is missing" if not pids else "send one patient per message"
        raise InvalidMessage(f"HL7: {text}", code="100" if pids else "101")
    mrn = pid_mrn(pids[0], rules)
    measurements: dict[str, tuple[float, str]] = {}
    comparators: dict[str, str] = {}
    times: list[datetime] = []
    obr_status: list[str] = []
    obx_status: list[str] = []
    order_id = ""
    obr: Segment | None = None
    for seg in parsed.segments:
        if seg.name == "OBR":
            obr = seg
            obr_status.append(seg.field(25))
            order_id = order_id or seg.component(3, 1) or seg.component(2, 1)
        elif seg.name == "OBX":
            if obr is None:
                raise InvalidMessage("HL7: an OBX comes before any OBR", code="100")
            loinc = _loinc(seg)
            key = analyte_for_loinc(loinc) if loinc else None
            if key is None or seg.field(11) in _SKIPPED_STATUS:
                continue
            where = f"OBX {seg.field(1) or '?'} ({key}, {loinc})"
            if key in measurements:
                raise InvalidMessage(f"{where}: {key} is sent twice", code="100")
            value, comparator = _value(seg, where)
            obx_status.append(seg.field(11))
            collected = obr.component(7, 1) or seg.component(14, 1)
            if not collected:
                raise InvalidMessage(f"{where}: no collection time (OBR-7, OBX-14)", code="101")
            times.append(parse_ts(collected, f"{where} OBR-7/OBX-14", zone))
            measurements[key] = (value, table_unit(key, seg.component(6, 1)))
            if comparator:
                comparators[key] = comparator
    if not measurements:
        raise InvalidMessage(
            "HL7: no OBX with a CBC LOINC code (e.g. 718-7^...^LN for haemoglobin)", code="101"
        )
    if max(times) - min(times) > _SAME_DRAW:
        raise InvalidMessage(
            "HL7: the values were collected at different times; send one blood count per message",
            code="100",
        )
    return CbcImport(
        min(times),
        measurements,
        laboratory=parsed.msh.component(4, 1),
        patient_mrn=mrn,
        message_id=header.control_id,
        status=_status(obr_status, obx_status),
        comparators=comparators,
        sender=header.sender,
        order_id=order_id,
        identity=pid_identity(pids[0]),
    )
