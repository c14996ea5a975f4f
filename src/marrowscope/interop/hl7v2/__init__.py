"""HL7 v2.5.1: the report out as ORU^R01, a blood count in as ORU^R01, and the ACK.

Messages are written as ER7 text and then parsed back with ``hl7apy`` at strict
validation, so nothing leaves that the library would refuse. Incoming messages are
read by the encoding rules (see below); any problem raises ``InvalidMessage`` before a
value is written, and ``ack`` turns it into an ACK with MSA AE (content refused) or AR
(message not taken) and an ERR segment naming the problem.

Outgoing structure (one order, one report)::

    MSH  ORU^R01^ORU_R01, version 2.5.1
    PID  MRN (PID-3), name, birth date, sex
    ORC  RE, placer/filler = case number
    OBR  47286-0 Differential panel - Bone marrow (LN), procedure time, OBR-16 ordering
         provider, OBR-22 sign-out time, OBR-25 status (P, F, C amended), OBR-32 pathologist
    OBX  NM, one per cell class, value in % (UCUM); OBX-4 sub-ID = OBX-1 (never dotted)
    OBX  NM  11138-5 M:E ratio, 38257-2 cells counted
    OBX  TX  conclusion (local code)
    OBX  ED  PDF report (Base64), when a PDF is given
    SPM  one per specimen container (accession, kind, collection and receipt times)
    OBR  58410-2 CBC panel and one OBX per analyte, when a blood count is recorded

Every segment ends with CR (0x0D). Incoming messages are read by ``er7_reader``
(tolerant of versions 2.3.1-2.5.1, Z-segments, Latin-1) rather than hl7apy.

The package is split by message: ``er7`` (escaping, timestamps, MSH and strict
validation, shared by all), ``report`` (the ORU^R01 out), ``cbc`` (a blood count in)
``order_in`` (an OML^O21 / ORM^O01 order in) and ``acknowledgement`` (the ACK). Import
from this package.
"""

from marrowscope.interop.hl7v2.acknowledgement import ack
from marrowscope.interop.hl7v2.cbc import InboundRules, read_cbc_oru
from marrowscope.interop.hl7v2.er7 import APP, HL7_VERSION, escape
from marrowscope.interop.hl7v2.er7_reader import decode
from marrowscope.interop.hl7v2.order_in import ORDER_MESSAGES, read_order
from marrowscope.interop.hl7v2.report import oru_report

__all__ = [
    "APP",
    "HL7_VERSION",
    "InboundRules",
    "ORDER_MESSAGES",
    "ack",
    "decode",
    "escape",
    "oru_report",
    "read_cbc_oru",
    "read_order",
]
