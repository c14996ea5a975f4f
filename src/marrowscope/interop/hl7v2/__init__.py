"""HL7 v2.5.1: the report out as ORU^R01, a blood count in as ORU^R01, and the ACK.

Messages are written as ER7 text and then parsed back with ``hl7apy`` at strict
validation, so nothing leaves that the library would refuse. Incoming messages are
parsed and validated the same way; any problem raises ``InvalidMessage`` before a value
is written, and ``ack`` turns it into an ACK with MSA AE (content refused) or AR
(message not taken) and an ERR segment naming the problem.

Outgoing structure (one order, one report)::

    MSH  ORU^R01^ORU_R01, version 2.5.1
    PID  MRN (PID-3), name, birth date, sex
    ORC  RE, placer/filler = case number
    OBR  47286-0 Differential panel in Bone marrow (LN), procedure time, result status
    OBX  NM, one per cell class, OBX-4 sub-ID 1.<n>, value in % (UCUM)
    OBX  NM  11138-5 M:E ratio          sub-ID 2
    OBX  NM  38257-2 cells counted      sub-ID 3
    OBX  TX  conclusion (local code)    sub-ID 4
    OBX  ED  PDF report (Base64)        sub-ID 5, when a PDF is given

The package is split by message: ``er7`` (escaping, timestamps, MSH and strict
validation, shared by all), ``report`` (the ORU^R01 out), ``cbc`` (a blood count in)
and ``acknowledgement`` (the ACK). Import from this package.
"""

from marrowscope.interop.hl7v2.acknowledgement import ack
from marrowscope.interop.hl7v2.cbc import read_cbc_oru
from marrowscope.interop.hl7v2.er7 import HL7_VERSION, escape
from marrowscope.interop.hl7v2.report import oru_report

__all__ = ["HL7_VERSION", "ack", "escape", "oru_report", "read_cbc_oru"]
