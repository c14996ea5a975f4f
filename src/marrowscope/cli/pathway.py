"""``marrowscope db ...`` and ``marrowscope case ...``: the pathway from the command line.

The CLI acts as a named member of staff (``--user``/``--role``) so that every change it
makes is audited like one made in the web app.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer

from marrowscope.cli._common import TEXT_MAX_BYTES, parse_actor, read_input_text, run, uow_factory
from marrowscope.domain.errors import InvalidMeasurement
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.domain.roles import Role

__all__ = ["register"]

db_app = typer.Typer(help="Create or upgrade the database.", no_args_is_help=True)
case_app = typer.Typer(
    help="Patients and examination cases (the clinical pathway).", no_args_is_help=True
)

_USER = typer.Option("clinician", "--user", help="who is acting (written to the audit log)")
_ROLE = typer.Option(Role.CLINICIAN.value, "--role", help="their role")
_VALUES = typer.Argument(..., help="analyte=value[:unit], e.g. hb=92:g/L platelets=40")
_INDICATIONS = typer.Option(..., "--indication", help="e.g. pancytopenia, lymphoma_staging")
_OUT = typer.Option(..., "--out", help="where to write the label (.svg or .png)")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (``alembic upgrade heads``) to the configured database."""
    from marrowscope.bootstrap import upgrade_database

    heads = run(upgrade_database)
    typer.echo("database at: " + ", ".join(heads))


@db_app.command("status")
def db_status() -> None:
    """Say whether migrations are pending."""
    from marrowscope.bootstrap import get_settings
    from marrowscope.db.migrate import pending_revisions

    pending = pending_revisions(get_settings().database_url)
    typer.echo("up to date" if not pending else "pending: " + ", ".join(pending))


@case_app.command("demo")
def case_demo() -> None:
    """Migrate, then create the demo patient walked from blood count to follow-up."""
    from marrowscope.bootstrap import get_settings, refuse_demo_in_production, upgrade_database
    from marrowscope.services.walkthrough import seed_demo_case

    run(lambda: refuse_demo_in_production(get_settings()))
    run(upgrade_database)
    made = run(lambda: seed_demo_case(uow_factory()))
    typer.echo(
        f"demo case #{made.case_id} (patient #{made.patient_id})"
        + ("" if made.created else " already present")
    )


@case_app.command("walk")
def case_walk(script: Path) -> None:
    """Walk a new case through the pathway from a JSON script (docs/examples/pathway_walk.json)."""
    import json

    from marrowscope.services.walkthrough import walk_script

    def act() -> Any:
        text = read_input_text(script, TEXT_MAX_BYTES, "a JSON pathway script")
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as error:
            # ValueError: bad JSON or UTF-8, a number past 4,300 digits; RecursionError:
            # nesting deeper than the parser's stack.
            raise InvalidMeasurement(f"script: cannot read {script}: {error}") from None
        with uow_factory()() as uow:
            return walk_script(uow, doc)

    done = run(act)
    typer.echo(f"case #{done.case_id} (patient #{done.patient_id}): {done.steps_run} steps")
    for name, accession in done.accessions.items():
        typer.echo(f"  {name}: {accession}")


@case_app.command("register")
def case_register(
    mrn: str = typer.Option(..., help="medical record number"),
    family_name: str = typer.Option(..., "--family-name"),
    given_name: str = typer.Option(..., "--given-name"),
    birth_date: str = typer.Option(..., "--birth-date", help="YYYY-MM-DD"),
    sex: str = typer.Option(..., help="female, male, other or unknown"),
    user: str = _USER,
    role: str = _ROLE,
) -> None:
    """Register a patient."""
    from marrowscope.services.cases import register_patient

    def act() -> int:
        try:
            born = date.fromisoformat(birth_date)
        except ValueError:
            raise InvalidMeasurement("birth_date: use YYYY-MM-DD") from None
        with uow_factory()() as uow:
            return register_patient(
                uow, parse_actor(user, role), mrn=mrn, family_name=family_name,
                given_name=given_name, birth_date=born, sex=sex,
            ).id  # fmt: skip

    typer.echo(f"patient #{run(act)}")


@case_app.command("open")
def case_open(patient_id: int, user: str = _USER, role: str = _ROLE) -> None:
    """Open an examination case for a patient."""
    from marrowscope.services.cases import open_case

    def act() -> int:
        with uow_factory()() as uow:
            return open_case(uow, parse_actor(user, role), patient_id).id

    typer.echo(f"case #{run(act)}")


def _parse_value(text: str) -> tuple[str, tuple[float, str]]:
    # "hb=92:g/L" -> ("hb", (92.0, "g/L")); the unit is optional
    key, _, rest = text.partition("=")
    number, _, unit = rest.partition(":")
    try:
        value = float(number)
    except ValueError:
        raise InvalidMeasurement(f"{key}: {number!r} is not a number") from None
    from marrowscope.domain.pathway.cbc import analyte_info

    return key.strip(), (value, unit.strip() or analyte_info(key.strip()).unit)


@case_app.command("cbc")
def case_cbc(
    case_id: int,
    values: list[str] = _VALUES,
    collected_at: str = typer.Option("", help="ISO time with zone (default: now)"),
    user: str = _USER,
    role: str = _ROLE,
) -> None:
    """Record a blood count and print its flags and suggested indications."""
    from marrowscope.services.pathway import record_cbc

    def act() -> Any:
        measurements = dict(_parse_value(v) for v in values)
        try:
            at = datetime.fromisoformat(collected_at) if collected_at else datetime.now(UTC)
        except ValueError:
            raise InvalidMeasurement(
                f"--collected-at: {collected_at!r} is not an ISO time"
            ) from None
        with uow_factory()() as uow:
            return record_cbc(
                uow, parse_actor(user, role), case_id, collected_at=at, measurements=measurements
            )

    outcome = run(act)
    for flag in outcome.flags:
        typer.echo(flag.text)
    for suggestion in outcome.suggestions:
        typer.echo(suggestion.text)


@case_app.command("order")
def case_order(
    case_id: int,
    indication: list[str] = _INDICATIONS,
    details: str = typer.Option("", help="clinical details"),
    urgency: str = typer.Option("routine"),
    user: str = _USER,
    role: str = _ROLE,
) -> None:
    """Order a bone marrow examination with its indication(s)."""
    from marrowscope.services.pathway import place_order

    def act() -> int:
        with uow_factory()() as uow:
            return place_order(
                uow, parse_actor(user, role), case_id, indications=indication,
                clinical_details=details, urgency=urgency,
            ).id  # fmt: skip

    typer.echo(f"order record #{run(act)}")


def _describe(record: CaseRecord) -> list[str]:
    p = record.patient
    lines = [
        f"Case #{record.case.id} ({record.case.status.value}; stage {record.stage.value})",
        f"Patient #{p.id} {p.display_name} MRN {p.mrn} born {p.birth_date} {p.sex.value}",
    ]
    for kind in RecordKind:
        for r in record.current(kind):
            lines.append(
                f"  {kind.value} v{r.version} at {r.recorded_at:%Y-%m-%d %H:%M} by {r.recorded_by}"
            )
    for s in record.specimens:
        lines.append(f"  specimen {s.accession} {s.kind.value}")
        for t in record.tests:
            if t.specimen_id == s.id:
                lines.append(f"    {t.test_type.value}: {t.state.value}")
    return lines


@case_app.command("show")
def case_show(case_id: int, user: str = _USER, role: str = _ROLE) -> None:
    """Print the whole case: records, specimens and test states."""
    from marrowscope.services.cases import load_case_record

    def act() -> CaseRecord:
        with uow_factory()() as uow:
            return load_case_record(uow, parse_actor(user, role), case_id)

    for line in _describe(run(act)):
        typer.echo(line)


@case_app.command("overdue")
def case_overdue(user: str = _USER, role: str = _ROLE) -> None:
    """List tests past their turnaround target, most overdue first."""
    from marrowscope.services.lab import overdue_tests

    def act() -> Any:
        with uow_factory()() as uow:
            return overdue_tests(uow, parse_actor(user, role))

    items = run(act)
    if not items:
        typer.echo("no overdue tests")
    for o in items:
        typer.echo(
            f"test #{o.test.id} {o.test.test_type.value} ({o.test.state.value}) "
            f"{o.hours_overdue:g} h overdue"
        )


@case_app.command("label")
def case_label(
    specimen_id: int,
    out: Path = _OUT,
    user: str = _USER,
    role: str = _ROLE,
) -> None:
    """Write the specimen's barcode label."""
    from marrowscope.services.lab import label_png, label_svg, specimen_label

    def act() -> Any:
        with uow_factory()() as uow:
            return specimen_label(uow, parse_actor(user, role), specimen_id)

    label = run(act)
    if out.suffix.lower() == ".png":
        out.write_bytes(label_png(label))
    else:
        out.write_text(label_svg(label), encoding="utf-8")
    typer.echo(f"label {label.accession} -> {out}")


def register(app: typer.Typer) -> None:
    """Add the ``db`` and ``case`` command groups."""
    app.add_typer(db_app, name="db")
    app.add_typer(case_app, name="case")
