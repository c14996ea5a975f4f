"""``marrowscope export fhir|hl7`` and ``marrowscope import fhir|hl7``: exchange with
hospital systems (see docs/interop.md).

The ``export`` group is shared with ``export counts`` (``cli/export_counts.py``): this
module joins the group if it is already registered, else creates it, so the order of
``_GROUPS`` does not matter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from marrowscope.cli._common import (
    MESSAGE_MAX_BYTES,
    export_group,
    parse_actor,
    read_input_file,
    read_input_text,
    run,
    uow_factory,
)
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role

if TYPE_CHECKING:
    from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["register"]

T = TypeVar("T")

import_app = typer.Typer(
    help="Import results from hospital systems (FHIR R4, HL7 v2.5.1).", no_args_is_help=True
)

_User = Annotated[str, typer.Option("--user", help="who is acting (written to the audit log)")]
_Role = Annotated[str, typer.Option("--role", help="their role")]
_Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="file to write (default: stdout)")
]
_Pdf = Annotated[
    Path | None,
    typer.Option("--pdf", help="report PDF to attach (default: the signed report's, if any)"),
]


def _wiring() -> tuple[UnitOfWorkFactory, Any]:
    """The unit-of-work factory and the slide-count stores (for the differential)."""
    from marrowscope.bootstrap import build_account_services

    factory = uow_factory()
    return factory, build_account_services(factory).stores


def _export(user: str, role: str, pdf: Path | None, build: Callable[..., T]) -> T:
    """Parse the actor and the PDF, then call ``build(uow, actor, stores, attached)``.

    The shared part of ``export fhir`` and ``export hl7``; errors map to exit 2.
    """

    def act() -> T:
        actor = parse_actor(user, role)
        attached = _read_pdf(pdf)
        factory, stores = _wiring()
        with factory() as uow:
            return build(uow, actor, stores, attached)

    return run(act)


def _facility() -> str:
    from marrowscope.config import get_settings

    return get_settings().hl7_facility


def _read_pdf(pdf: Path | None) -> bytes | None:
    if pdf is None:
        return None
    data = read_input_file(pdf, MESSAGE_MAX_BYTES)
    if not data.startswith(b"%PDF-"):
        raise InvalidInput(f"--pdf: {pdf} is not a PDF file")
    return data


def _write(text: str, output: Path | None, what: str) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_bytes(text.encode("utf-8"))  # exactly as given: no newline translation
        typer.echo(f"{what} written to {output}", err=True)


def export_fhir(
    case_id: Annotated[int, typer.Argument(help="the case number")],
    output: _Output = None,
    pdf: _Pdf = None,
    user: _User = "pathologist",
    role: _Role = Role.PATHOLOGIST.value,
) -> None:
    """The case as a FHIR R4 Bundle (JSON), validated against the R4 models."""
    from marrowscope.services import interop

    bundle = _export(
        user,
        role,
        pdf,
        lambda uow, actor, stores, attached: interop.export_case_fhir(
            uow, actor, case_id, stores=stores, pdf=attached, site=_site()
        ),
    )
    _write(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", output, "FHIR Bundle")


def export_hl7(
    case_id: Annotated[int, typer.Argument(help="the case number")],
    output: _Output = None,
    pdf: _Pdf = None,
    receiving: Annotated[str, typer.Option("--to", help="receiving application (MSH-5)")] = "HIS",
    user: _User = "pathologist",
    role: _Role = Role.PATHOLOGIST.value,
) -> None:
    """The report as an HL7 v2.5.1 ORU^R01 (segments ended by carriage returns)."""
    from marrowscope.services import interop

    text = _export(
        user,
        role,
        pdf,
        lambda uow, actor, stores, attached: interop.export_case_hl7(
            uow,
            actor,
            case_id,
            stores=stores,
            pdf=attached,
            receiving=receiving,
            facility=_facility(),
            site=_site(),
        ),
    )
    # HL7 segments end with CR (0x0D), in a file as on the wire: receivers that split on
    # CR only would read a newline-separated message as one segment
    _write(text if text.endswith("\r") else text + "\r", output, "HL7 ORU^R01")


def _rules() -> Any:
    from marrowscope.config import get_settings
    from marrowscope.interop.hl7v2 import InboundRules

    settings = get_settings()
    zone = settings.lab_timezone or settings.timezone
    return InboundRules(settings.hl7_assigning_authority, zone, settings.hl7_provider_id_type)


def _site() -> Any:
    from marrowscope.bootstrap import export_site

    return export_site()


def _read_bytes(path: Path) -> bytes:
    return read_input_file(path, MESSAGE_MAX_BYTES)


def _read_text(path: Path) -> str:
    return read_input_text(path, MESSAGE_MAX_BYTES, "a FHIR JSON file")


@import_app.command("fhir")
def import_fhir(
    file: Annotated[
        Path,
        typer.Argument(help="a FHIR R4 ServiceRequest (an order), or a Bundle/Observation (a CBC)"),
    ],
    case_id: Annotated[
        int | None, typer.Option("--case", help="the case to file a blood count on")
    ] = None,
    outcome_file: Annotated[
        Path | None,
        typer.Option("--outcome", help="where to write an order's OperationOutcome (stdout)"),
    ] = None,
    user: _User = "clinician",
    role: _Role = Role.CLINICIAN.value,
) -> None:
    """File an order (ServiceRequest) or the CBC Observations (LOINC-coded) of a FHIR file.

    Without --case, a file holding a ServiceRequest is an order: it answers an
    OperationOutcome and exits with 2 when refused. With --case, the blood count of the
    file is filed on that case (an exported Bundle holds both).
    """
    from marrowscope.services import interop
    from marrowscope.services.interop import is_fhir_order

    text = run(lambda: _read_text(file))
    if case_id is None and is_fhir_order(text):  # --case asks for the blood count
        _import_fhir_order(text, outcome_file)
        return
    if case_id is None:
        run(_refuse("--case: name the case to file this blood count on"))
    wanted = int(case_id or 0)

    def act() -> Any:
        actor = parse_actor(user, role)
        factory, _stores = _wiring()
        with factory() as uow:
            return interop.import_fhir_cbc(uow, actor, wanted, text)

    outcome = run(act)
    values = outcome.record.payload["values"]
    typer.echo(f"CBC recorded on case {wanted} (record {outcome.record.id}): {len(values)} values")
    for flag in outcome.flags:
        typer.echo(f"  {flag.text}")


def _refuse(message: str) -> Callable[[], None]:
    def fail() -> None:
        raise InvalidInput(message)

    return fail


def _import_fhir_order(text: str, outcome_file: Path | None) -> None:
    """A ServiceRequest filed under the FHIR interface account; OperationOutcome out."""
    from marrowscope.config import get_settings
    from marrowscope.services import interop

    def act() -> Any:
        factory, _stores = _wiring()
        with factory() as uow:
            settings = get_settings()
            return interop.import_fhir_order(
                uow,
                text,
                authority=settings.hl7_assigning_authority,
                provider_id_type=settings.hl7_provider_id_type,
            )

    result = run(act)
    _write(json.dumps(result.outcome, indent=2) + "\n", outcome_file, "OperationOutcome")
    if not result.accepted:
        typer.echo(f"error: {result.error}", err=True)
        raise typer.Exit(2)
    typer.echo(f"order filed on case {result.filed.case_id}", err=True)


@import_app.command("hl7")
def import_hl7(
    file: Annotated[
        Path, typer.Argument(help="an HL7 v2 ORU^R01 result or OML^O21/ORM^O01 order (ER7)")
    ],
    case_id: Annotated[
        int | None, typer.Option("--case", help="the case (default: the patient's open case)")
    ] = None,
    ack_file: Annotated[
        Path | None, typer.Option("--ack", help="where to write the ACK (default: stdout)")
    ] = None,
) -> None:
    """File a CBC (ORU^R01) or an order (OML^O21, ORM^O01) and answer its ACK; a refused
    message exits with 2."""
    from marrowscope.services.interop import import_hl7_message, is_hl7_order

    def act() -> Any:
        text = _read_bytes(file)  # decoded by the charset MSH-18 names
        factory, _stores = _wiring()
        with factory() as uow:
            return is_hl7_order(text), import_hl7_message(
                uow, text, case_id=case_id, rules=_rules()
            )

    order, result = run(act)
    _write(result.ack if result.ack.endswith("\r") else result.ack + "\r", ack_file, "ACK")
    if not result.accepted:
        typer.echo(f"error: {result.error}", err=True)
        raise typer.Exit(2)
    what = "order" if order else "CBC"
    typer.echo(f"{what} recorded on case {result.case_id}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``export fhir``, ``export hl7`` and the ``import`` group."""
    group = export_group(app)
    group.command("fhir")(export_fhir)
    group.command("hl7")(export_hl7)
    app.add_typer(import_app, name="import")
