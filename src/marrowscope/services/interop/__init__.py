"""Exchange with hospital systems: a case out as FHIR R4 or HL7 v2.5.1, a CBC and
orders in, the inbox that sorts incoming messages, and the message log; messages received
over a transport (MLLP, FHIR REST) stored raw before they are filed, signed reports queued
and delivered, the error queue with correct-and-replay, and signed results for the FHIR
REST API.

Imports are written through ``services.pathway``, so an imported count is checked,
audited and committed exactly like one typed in by hand.
"""

from marrowscope.services.interop.cbc_import import (
    MAX_FHIR_CHARS,
    MAX_HL7_CHARS,
    MAX_HL7_SEGMENTS,
    import_fhir_cbc,
    import_hl7_cbc,
)
from marrowscope.services.interop.export import (
    EXPORTERS,
    case_export,
    export_case_fhir,
    export_case_hl7,
)
from marrowscope.services.interop.fhir_api import (
    FHIR_READERS,
    fhir_patient,
    signed_results,
)
from marrowscope.services.interop.hl7 import (
    HL7_INTERFACE,
    HL7Import,
    as_message_error,
    file_hl7_cbc,
    identity_disagreements,
)
from marrowscope.services.interop.inbox import (
    import_hl7_message,
    is_fhir_order,
    is_hl7_order,
)
from marrowscope.services.interop.message_log import (
    MessageLog,
    default_log,
)
from marrowscope.services.interop.message_queue import (
    QUEUE_ROLES,
    error_queue,
    get_exchange,
    message_log,
    prune_messages,
    replay,
    resend,
)
from marrowscope.services.interop.orders import (
    FHIR_INTERFACE,
    FhirOrderImport,
    OrderFiled,
    import_fhir_order,
    import_hl7_order,
)
from marrowscope.services.interop.outbox import (
    Outbound,
    ReportOutbox,
    deliver_queued,
    queue_report,
    queue_unsent,
    send_pass,
)
from marrowscope.services.interop.signed_report import (
    ReportDocument,
    SignedReport,
    signed_report,
)
from marrowscope.services.interop.transport import (
    HL7Receiver,
    Received,
    receive_fhir_order,
    receive_hl7,
    refuse_too_large,
)

__all__ = [
    "EXPORTERS",
    "FHIR_INTERFACE",
    "FHIR_READERS",
    "FhirOrderImport",
    "HL7Import",
    "HL7Receiver",
    "HL7_INTERFACE",
    "MAX_FHIR_CHARS",
    "MAX_HL7_CHARS",
    "MAX_HL7_SEGMENTS",
    "MessageLog",
    "OrderFiled",
    "Outbound",
    "QUEUE_ROLES",
    "Received",
    "ReportDocument",
    "ReportOutbox",
    "SignedReport",
    "as_message_error",
    "case_export",
    "default_log",
    "deliver_queued",
    "error_queue",
    "export_case_fhir",
    "export_case_hl7",
    "fhir_patient",
    "file_hl7_cbc",
    "get_exchange",
    "identity_disagreements",
    "import_fhir_cbc",
    "import_fhir_order",
    "import_hl7_cbc",
    "import_hl7_message",
    "import_hl7_order",
    "is_fhir_order",
    "is_hl7_order",
    "message_log",
    "prune_messages",
    "queue_report",
    "queue_unsent",
    "receive_fhir_order",
    "receive_hl7",
    "refuse_too_large",
    "replay",
    "resend",
    "send_pass",
    "signed_report",
    "signed_results",
]
