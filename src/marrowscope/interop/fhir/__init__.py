"""FHIR R4 export of a case and import of a blood count, validated with ``fhir.resources``.

The models are ``fhir.resources.R4B`` (FHIR 4.3, the R4 line; the resources used here,
Patient, ServiceRequest, Procedure, Specimen, Observation and DiagnosticReport, are
wire-compatible with 4.0.1). Every Bundle is built as plain JSON and then parsed by the
models, so an export that is not valid FHIR never leaves this package.

Export: a ``collection`` Bundle with the Patient, the order (ServiceRequest with its
indications), the Procedure (site and side), one Specimen per container, the CBC as
Observations, the differential panel (LOINC 47286-0) whose ``hasMember`` lists one
Observation per cell class (percent), the M:E ratio (11138-5) and the cells counted
(38257-2), and a DiagnosticReport with the conclusion and, when given, the PDF.

Import (``fhir_read``, re-exported here): Observations whose LOINC code is a CBC
analyte of ``cbc_reference.toml`` become a ``CbcImport``; a file that is not valid FHIR,
or holds no CBC value, is refused with ``InvalidMessage``.

The export is split by resource: ``datatypes`` (stable ids, dateTime), ``clinical``
(Patient, ServiceRequest, Procedure, Specimen), ``observations`` (CBC and differential)
and ``bundle`` (DiagnosticReport and the Bundle itself). Import from this package.
"""

from marrowscope.interop.fhir.bundle import FHIR_VERSION, case_bundle
from marrowscope.interop.fhir_read import (
    DifferentialImport,
    cbc_from_fhir,
    differential_from_fhir,
    patient_mrn,
)

__all__ = [
    "DifferentialImport",
    "FHIR_VERSION",
    "case_bundle",
    "cbc_from_fhir",
    "differential_from_fhir",
    "patient_mrn",
]
