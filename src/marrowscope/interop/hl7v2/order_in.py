"""Orders in: HL7 ORM^O01 (2.3-2.5.1) and OML^O21 (2.4-2.5.1) read group by group.

Read with the tolerant ``er7_reader``, as the blood counts are. Each ORC with its OBR is
one order of the message (an EHR's order set holds several): ORC-1 says what to do
with it (NW new, XO change, CA cancel, DC discontinue), ORC-2 (else OBR-2) is the
hospital's placer number as number^namespace, OBR-4 the service, which must be in
``order_catalogue.toml`` for us to take it, ORC-12 (else OBR-16) the ordering provider
as a person (the repetition of the configured identifier type, e.g. NPI), ORC-9 when it
was authored, OBR-31 and DG1 the reasons (ICD-10 kept as codes, ``interop.diagnoses``),
OBR-13 and NTE the clinical details (FT escapes read as line breaks), ORC-7.6,
OBR-27.6 or TQ1-9 the priority, PV1-3.1 (point of care) the ward that placed it. A
group for a service that is not ours is answered (unable to accept) without stopping
the others. OML^O21 is defined from v2.4; an OML
labelled 2.3 or 2.3.1 is refused rather than read by guesswork.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.pathway.order_origin import OrderOrigin, Provider
from marrowscope.interop.codes import PatientIdentity
from marrowscope.interop.hl7v2.cbc import (
    Header,
    InboundRules,
    parse_ts,
    pid_identity,
    pid_mrn,
    read_header,
)
from marrowscope.interop.hl7v2.er7_reader import Segment, decode, message_digest, read_er7
from marrowscope.interop.orders import (
    OrderImport,
    Reason,
    accepted_codes,
    diagnoses_from,
    indications_from,
    is_accepted_order,
    urgency_from_hl7,
)

__all__ = [
    "CONTROLS",
    "ORDER_MESSAGES",
    "ORDER_VERSIONS",
    "OrderGroup",
    "OrderMessage",
    "read_order",
    "read_orders",
]

ORDER_MESSAGES = ("OML^O21", "ORM^O01")
ORDER_VERSIONS = {
    "ORM^O01": ("2.3", "2.3.1", "2.4", "2.5", "2.5.1"),
    "OML^O21": ("2.4", "2.5", "2.5.1"),
}
CONTROLS = ("NW", "XO", "CA", "DC")


@dataclass(frozen=True, slots=True)
class OrderGroup:
    """One ORC/OBR group: its order when we take it, or why it was not taken."""

    index: int  # 1-based position in the message
    control: str  # ORC-1 as sent
    placer: str  # ORC-2 / OBR-2 as sent (number^namespace)
    service: str  # OBR-4 as sent
    order: OrderImport | None = None
    refused: InvalidMessage | None = None


@dataclass(frozen=True, slots=True)
class OrderMessage:
    """An order message read whole: its header, digest and groups in order."""

    header: Header
    digest: str
    groups: tuple[OrderGroup, ...]
    # the patient could not be read (PID-3, PID-7): every group is refused with this,
    # answered as an order answer since the message itself was read as an order
    refused: InvalidMessage | None = None


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every group of a message shares: header, patient, digest, send time."""

    header: Header
    sent: str
    mrn: str
    identity: PatientIdentity
    digest: str
    location: str = ""  # PV1-3.1, the point of care: the ordering ward


def _groups(segments: tuple[Segment, ...]) -> list[tuple[Segment | None, Segment, list[Segment]]]:
    """Each OBR with the ORC before it and its NTE, DG1 and TQ1 segments (TQ1 comes
    between ORC and OBR in OML^O21, NTE and DG1 after the OBR)."""
    groups: list[tuple[Segment | None, Segment, list[Segment]]] = []
    orc: Segment | None = None
    pending: list[Segment] = []
    for seg in segments:
        if seg.name == "ORC":
            orc, pending = seg, []
        elif seg.name == "OBR":
            groups.append((orc, seg, pending))
            orc, pending = None, []
        elif seg.name in ("NTE", "DG1", "TQ1"):
            (groups[-1][2] if groups and orc is None else pending).append(seg)
    return groups


def _provider(seg: Segment | None, n: int, wanted: str) -> Provider | None:
    """An XCN as a person: the repetition of the wanted identifier type, else the first."""
    if seg is None:
        return None
    people = []
    for rep in seg.repetitions(n):
        sub = seg.separators[3]
        person = Provider(
            identifier=seg.component(n, 1, rep),
            family_name=seg.component(n, 2, rep).split(sub)[0],
            given_name=seg.component(n, 3, rep),
            prefix=seg.component(n, 6, rep),
            authority=seg.component(n, 9, rep).split(sub)[0],
            id_type=seg.component(n, 13, rep),
        )
        if not person.is_empty:
            people.append(person)
    for person in people:
        if wanted and wanted.upper() in (person.id_type.upper(), person.authority.upper()):
            return person
    return people[0] if people else None


def _service(obr: Segment) -> tuple[str, str, str]:
    """OBR-4 as (code, text, coding system), the alternate identifier when the first is not
    one of ours (a local code first and LOINC second is common)."""
    first = (obr.component(4, 1), obr.component(4, 2), obr.component(4, 3))
    if is_accepted_order(first[0], first[2], fhir=False):
        return first
    alternate = (obr.component(4, 4), obr.component(4, 5), obr.component(4, 6))
    if alternate[0] and is_accepted_order(alternate[0], alternate[2], fhir=False):
        return alternate
    return first


def _reasons(obr: Segment, after: list[Segment]) -> list[Reason]:
    out = [
        Reason(obr.component(31, 1, r), obr.component(31, 2, r), obr.component(31, 3, r))
        for r in obr.repetitions(31)
    ]
    for dg1 in (s for s in after if s.name == "DG1"):
        code, text = dg1.component(3, 1), dg1.component(3, 2) or dg1.component(4, 1)
        out.append(Reason(code, text, dg1.component(3, 3) or dg1.component(2, 1)))
    return out


def _notes(after: list[Segment]) -> list[str]:
    """NTE-3 texts, each repetition a line (FT: ``\\.br\\`` is a line break)."""
    return [s.unescape(r) for s in after if s.name == "NTE" for r in s.repetitions(3)]


def _group(
    index: int,
    parts: tuple[Segment | None, Segment, list[Segment]],
    common: _Shared,
    rules: InboundRules,
) -> OrderGroup:
    orc, obr, after = parts
    control = (orc.component(1, 1) if orc is not None else "") or "NW"
    placer_field = (orc.field(2) if orc is not None else "") or obr.field(2)
    code, text, coding = _service(obr)
    try:
        order = _order(orc, obr, after, control, (code, text, coding), common, rules)
    except InvalidMessage as refused:
        return OrderGroup(index, control, placer_field, obr.field(4), refused=refused)
    return OrderGroup(index, control, placer_field, obr.field(4), order=order)


def _order(
    orc: Segment | None,
    obr: Segment,
    after: list[Segment],
    control: str,
    service: tuple[str, str, str],
    common: _Shared,
    rules: InboundRules,
) -> OrderImport:
    code, text, coding = service
    if control not in CONTROLS:
        raise InvalidMessage(
            f"ORC-1: order control {control} is not taken here; send NW, XO, CA or DC",
            code="103",
        )
    # a cancel may come without OBR-4; a service that is not ours is never taken
    if (code or control in ("NW", "XO")) and not is_accepted_order(code, coding, fhir=False):
        raise InvalidMessage(
            f"OBR-4: {code or '(empty)'}^{text} is not a bone marrow examination order here; "
            f"send one of {', '.join(accepted_codes())}",
            code="103",
        )
    source = orc if orc is not None and orc.component(2, 1) else obr
    placer = source.component(2, 1)
    if not placer:
        raise InvalidMessage("ORC-2/OBR-2: the placer order number is missing", code="101")
    orderer = _provider(orc, 12, rules.provider_id_type) or _provider(
        obr, 16, rules.provider_id_type
    )
    reasons = _reasons(obr, after)
    details = [obr.component(13, 1), *_notes(after)]
    if control in ("NW", "XO"):
        indications, unmatched = indications_from(reasons, "OBR-31/DG1")
    else:  # a cancellation names the order; it need not give the reasons again
        indications, unmatched = (), ""
    if unmatched:
        details.append(f"Reason given: {unmatched}")
    authored = (orc.field(9) if orc is not None else "") or common.sent
    zone = rules.zone()
    ordered_at = parse_ts(authored.split(obr.separators[0])[0], "ORC-9", zone) if authored else None
    priorities = [obr.component(27, 6)]
    if orc is not None:
        priorities.append(orc.component(7, 6))
    priorities += [s.component(9, 1) for s in after if s.name == "TQ1"]
    header = common.header
    origin = OrderOrigin(
        placer_number=placer,
        placer_namespace=source.component(2, 2),
        service_code=code,
        service_text=text,
        service_system=coding,
        orderer=orderer,
        diagnoses=diagnoses_from(reasons),
        sender=header.sender,
    )
    return OrderImport(
        sender=header.sender,
        control_id=header.control_id,
        message_type=header.kind,
        placer_order=placer,
        patient_mrn=common.mrn,
        identity=common.identity,
        indications=indications,
        clinical_details="\n".join(d.strip() for d in details if d.strip()),
        urgency=urgency_from_hl7(priorities),
        ordered_at=ordered_at,
        requester=orderer.display if orderer is not None else "",
        control=control,
        origin=origin,
        version=header.version,
        digest=common.digest,
        location=common.location,
    )


def read_orders(message: str | bytes, rules: InboundRules | None = None) -> OrderMessage:
    """Every ORC/OBR group of an ORM^O01 or OML^O21; ``InvalidMessage`` for the whole
    message when its header, patient or structure cannot be read."""
    rules = rules or InboundRules()
    text = decode(message)
    parsed = read_er7(text)
    msh = parsed.msh
    kind = "^".join(p for p in (msh.component(9, 1), msh.component(9, 2)) if p)
    if kind not in ORDER_MESSAGES:
        raise InvalidMessage(
            f"HL7: message type {kind or '(none)'} is not an order; send "
            + " or ".join(ORDER_MESSAGES),
            reject=True,
            code="200",
        )
    header = read_header(parsed, ORDER_VERSIONS[kind])
    pids = parsed.named("PID")
    if len(pids) != 1:
        said = "the PID segment is missing" if not pids else "send one patient per message"
        raise InvalidMessage(f"HL7: {said}", code="100" if pids else "101")
    parts = _groups(parsed.segments)
    if not parts:
        raise InvalidMessage("HL7: the message holds no order (ORC with OBR)", code="101")
    patient_error: InvalidMessage | None = None
    try:
        mrn, identity = pid_mrn(pids[0], rules), pid_identity(pids[0])
    except InvalidMessage as refused:
        mrn, identity, patient_error = "", PatientIdentity(), refused
    pv1 = parsed.named("PV1")
    location = pv1[0].component(3, 1).strip() if pv1 else ""
    common = _Shared(header, msh.field(7), mrn, identity, message_digest(text), location)
    groups = tuple(_group(i, p, common, rules) for i, p in enumerate(parts, start=1))
    return OrderMessage(header, common.digest, groups, patient_error)


def read_order(message: str | bytes, rules: InboundRules | None = None) -> OrderImport:
    """The one order of a single-order message; ``InvalidMessage`` when it is refused."""
    read = read_orders(message, rules)
    if read.refused is not None:
        raise read.refused
    group = read.groups[0]
    if group.order is None:
        raise group.refused or InvalidMessage("HL7: the order was not read", code="100")
    return group.order
