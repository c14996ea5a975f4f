"""Exchange with hospital systems: a case out as FHIR R4 or HL7 v2.5.1, a CBC in.

The adapters in ``interop/`` only translate; the use cases that feed them live in
``services.interop_export`` (the case gathered and each export audited, with the signed
report found through ``services.interop_report``) and ``services.interop_import``
(counts written through ``pathway.record_cbc``, so an import is checked, audited and
committed exactly like a count typed in by hand) and ``services.interop_orders`` (orders
in, placed through ``pathway.place_order`` like one placed in the app). This module
re-exports them so that callers keep one import, ``from marrowscope.services import
interop``.
"""

from __future__ import annotations

from marrowscope.services.interop_export import (
    EXPORTERS,
    case_export,
    export_case_fhir,
    export_case_hl7,
)
from marrowscope.services.interop_import import (
    HL7_INTERFACE,
    HL7Import,
    import_fhir_cbc,
    import_hl7_cbc,
)
from marrowscope.services.interop_orders import (
    FHIR_INTERFACE,
    FhirOrderImport,
    import_fhir_order,
    import_hl7_order,
)
from marrowscope.services.interop_report import ReportDocument

__all__ = [
    "EXPORTERS",
    "FHIR_INTERFACE",
    "FhirOrderImport",
    "HL7_INTERFACE",
    "HL7Import",
    "ReportDocument",
    "case_export",
    "export_case_fhir",
    "export_case_hl7",
    "import_fhir_cbc",
    "import_fhir_order",
    "import_hl7_cbc",
    "import_hl7_order",
]
