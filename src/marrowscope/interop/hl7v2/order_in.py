"""An order in: HL7 OML^O21 (2.5, 2.5.1) or ORM^O01 (2.3.1-2.5.1) read into an ``OrderImport``.

Read with the tolerant ``er7_reader``, as the blood counts are. Fields (v2.5.1 names; the
same positions in 2.3.1): PID-3 the MRN (type MR of the configured authority), PID-5/7/8
the identity; ORC-1 ``NW`` (only new orders are taken), ORC-2 (else OBR-2) the placer
order number, ORC-9 when it was authored (else MSH-7), ORC-12 (else OBR-16) who asked;
OBR-4 the service, which must be in ``order_catalogue.toml``; OBR-31 and DG1 the reasons,
OBR-13 and NTE the clinical details; ORC-7.6, OBR-27.6 or TQ1-9 the priority.
A message with an order that is not a marrow examination is refused whole (AE 103):
filing part of it would leave the sender believing the rest was taken.
"""

from __future__ import annotations

from marrowscope.domain.errors import InvalidMessage
from marrowscope.interop.hl7v2.cbc import (
    InboundRules,
    parse_ts,
    pid_identity,
    pid_mrn,
    read_header,
)
from marrowscope.interop.hl7v2.er7_reader import Segment, decode, read_er7
from marrowscope.interop.orders import (
    OrderImport,
    Reason,
    accepted_codes,
    indications_from,
    is_accepted_order,
    urgency_from_hl7,
)

__all__ = ["ORDER_MESSAGES", "read_order"]

ORDER_MESSAGES = ("OML^O21", "ORM^O01")


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
            pending = []
        elif seg.name in ("NTE", "DG1", "TQ1"):
            (groups[-1][2] if groups else pending).append(seg)
    return groups


def _person(seg: Segment, n: int) -> str:
    """An XCN as words: 'Dr Ann Smith (12345)'; '' when the field is empty."""
    rep = (seg.repetitions(n) or [""])[0]
    ident, family, given, prefix = (seg.component(n, c, rep) for c in (1, 2, 3, 6))
    name = " ".join(p for p in (prefix, given, family) if p)
    if name and ident:
        return f"{name} ({ident})"
    return name or ident


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
        out.append(Reason(code, text, dg1.component(3, 3)))
    return out


def read_order(message: str | bytes, rules: InboundRules | None = None) -> OrderImport:
    """A new marrow examination order from an OML^O21 or ORM^O01; ``InvalidMessage`` else."""
    rules = rules or InboundRules()
    zone = rules.zone()
    parsed = read_er7(decode(message))
    header = read_header(parsed)
    if header.kind not in ORDER_MESSAGES:
        raise InvalidMessage(
            f"HL7: message type {header.kind or '(none)'} is not an order; send "
            + " or ".join(ORDER_MESSAGES),
            reject=True,
            code="200",
        )
    pids = parsed.named("PID")
    if len(pids) != 1:
        text = "the PID segment is missing" if not pids else "send one patient per message"
        raise InvalidMessage(f"HL7: {text}", code="100" if pids else "101")
    groups = _groups(parsed.segments)
    if not groups:
        raise InvalidMessage("HL7: the message holds no order (ORC with OBR)", code="101")
    if len(groups) > 1:
        raise InvalidMessage("HL7: send one bone marrow examination order per message", code="100")
    orc, obr, after = groups[0]
    code, text, coding = _service(obr)
    if not is_accepted_order(code, coding, fhir=False):
        raise InvalidMessage(
            f"OBR-4: {code or '(empty)'}^{text} is not a bone marrow examination order here; "
            f"send one of {', '.join(accepted_codes())}",
            code="103",
        )
    control = orc.component(1, 1) if orc is not None else "NW"
    if control != "NW":
        raise InvalidMessage(
            f"ORC-1: order control {control or '(empty)'} is not taken here; only NW (new order)",
            code="103",
        )
    placer = (orc.component(2, 1) if orc is not None else "") or obr.component(2, 1)
    if not placer:
        raise InvalidMessage("ORC-2/OBR-2: the placer order number is missing", code="101")
    authored = (orc.field(9) if orc is not None else "") or parsed.msh.field(7)
    ordered_at = parse_ts(authored.split(obr.separators[0])[0], "ORC-9", zone) if authored else None
    priorities = [obr.component(27, 6)]
    if orc is not None:
        priorities.append(orc.component(7, 6))
    priorities += [s.component(9, 1) for s in after if s.name == "TQ1"]
    indications, unmatched = indications_from(_reasons(obr, after), "OBR-31/DG1")
    details = [obr.component(13, 1)]
    details += [s.unescape(s.field(3)) for s in after if s.name == "NTE"]
    if unmatched:
        details.append(f"Reason given: {unmatched}")
    return OrderImport(
        sender=header.sender,
        control_id=header.control_id,
        message_type=header.kind,
        placer_order=placer,
        patient_mrn=pid_mrn(pids[0], rules),
        identity=pid_identity(pids[0]),
        indications=indications,
        clinical_details="\n".join(d.strip() for d in details if d.strip()),
        urgency=urgency_from_hl7(priorities),
        ordered_at=ordered_at,
        requester=(_person(orc, 12) if orc is not None else "") or _person(obr, 16),
    )
