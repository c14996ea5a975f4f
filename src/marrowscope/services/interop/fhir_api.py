"""Signed results for a hospital system over the FHIR REST API, and its Patient read.

Only an account of the ``interface`` role reads here, and only what is signed out: a
case without a signed report has no DiagnosticReport or Observation to give (a draft
must not reach the EHR). Each case is read through the ordinary export, so the EHR gets
exactly the resources a file export holds, under the same site names (``ExportSite``:
the hospital's MRN and order number systems, the provider identifier type), and each
read is audited like one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import NotFound
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.codes import ExportSite
from marrowscope.interop.fhir import clinical
from marrowscope.interop.fhir_rest import rehome
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import load_case_record, require_staff
from marrowscope.services.interop.export import export_case_fhir
from marrowscope.services.interop.signed_report import signed_report
from marrowscope.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from marrowscope.services.account_stores import AccountStores

__all__ = ["FHIR_READERS", "fhir_patient", "signed_results"]

FHIR_READERS = frozenset({Role.INTERFACE})


def _reader(actor: Actor) -> Actor:
    require_staff(actor, FHIR_READERS)
    # an EHR receives what the ordering clinician receives: the export is read with a
    # clinician's rights, under the interface account's own name in the audit log
    return Actor(actor.username, Role.CLINICIAN)


def _patient_cases(uow: UnitOfWork, patient_id: int) -> list[int]:
    if uow.patients.get(patient_id) is None:
        raise NotFound(f"no patient {patient_id}")
    return sorted(c.id for c in uow.cases.for_patient(patient_id))


def signed_results(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    *,
    stores: AccountStores | None = None,
    site: ExportSite | None = None,
) -> list[list[dict[str, Any]]]:
    """For each of the patient's cases with a signed report, its resources, REST-named."""
    reader = _reader(actor)
    out = []
    for case_id in _patient_cases(uow, patient_id):
        if signed_report(uow, reader, case_id) is None:
            continue
        bundle = export_case_fhir(uow, reader, case_id, stores=stores, site=site)
        out.append(rehome(bundle, patient_id))
    return out


def fhir_patient(
    uow: UnitOfWork, actor: Actor, patient_id: int, *, site: ExportSite | None = None
) -> dict[str, Any]:
    """The Patient resource (id: our patient number); the read is audited."""
    reader = _reader(actor)
    cases = _patient_cases(uow, patient_id)
    if not cases:
        raise NotFound(f"no patient {patient_id}")
    resource = clinical.patient(load_case_record(uow, reader, cases[-1]), site)
    resource["id"] = str(patient_id)
    record_audit(
        uow, actor, "patient", patient_id, AuditAction.VIEW, None, {"export": "fhir-patient"}
    )
    uow.commit()
    return resource
