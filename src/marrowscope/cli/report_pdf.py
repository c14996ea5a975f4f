"""``marrowscope report ...``: the case's report from the command line.

``pdf`` writes a signed version exactly as stored at sign-out (a draft is rendered afresh
and marked as a draft on every page header); ``versions``, ``draft``, ``sign``, ``amend``,
``addend`` and ``release`` run the same audited use cases as the web app, so a report
written at the terminal has the same history as one written in the browser. ``sign``,
``amend``, ``addend`` and ``release`` are signatures: ``--user`` must be a real, active
account of the right role, and its password is asked for (``cli.signing``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from marrowscope.cli._common import fail, parse_actor, run, uow_factory
from marrowscope.cli.signing import PasswordStdin, SignatureMeaningOption, signed_run
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["register"]

_T = TypeVar("_T")

report_app = typer.Typer(help="The bone marrow report (PDF, HTML).", no_args_is_help=True)

_User = Annotated[str, typer.Option("--user", help="who is reading (kept in the audit log)")]
_Role = Annotated[str, typer.Option("--role", help="their role")]


@report_app.command("pdf")
def pdf(
    case_id: int,
    output: Annotated[Path, typer.Option("-o", "--output", help="PDF file to write")],
    version: Annotated[int | None, typer.Option(help="version (default: newest)")] = None,
    user: _User = "pathologist",
    role: _Role = "pathologist",
) -> None:
    """Write the report of CASE_ID as a PDF."""
    from marrowscope.services import reporting

    try:
        actor = parse_actor(user, role)
        with uow_factory()() as uow:
            data = reporting.report_pdf(uow, actor, case_id, version)
        output.write_bytes(data)
    except MarrowscopeError as error:
        raise fail(error) from None
    except OSError as error:
        typer.echo(f"error: cannot write {output} ({error.strerror})", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {output} ({len(data)} bytes)")


_Field = Annotated[
    list[str] | None,
    typer.Option("--field", "-f", help="NAME=TEXT, repeatable (names: docs/report.md)"),
]
_Reason = Annotated[str, typer.Option("--reason", help="why the signed report changes")]


def _parse_fields(pairs: Sequence[str] | None) -> dict[str, str]:
    """``NAME=TEXT`` pairs; a pair without ``=`` is refused, not guessed at."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--field takes NAME=TEXT, got {pair!r}")
        out[name.strip()] = text
    return out


def _run(user: str, role: str, work: Callable[[UnitOfWork, Actor], _T]) -> _T:
    """Run one use case in a unit of work; a refusal goes to stderr with exit status 2."""

    def act() -> _T:
        actor = parse_actor(user, role)
        with uow_factory()() as uow:
            return work(uow, actor)

    return run(act)


@report_app.command("versions")
def versions(case_id: int, user: _User = "pathologist", role: _Role = "pathologist") -> None:
    """List every version of the report of CASE_ID (kind, status, author, time, reason)."""
    from marrowscope.services import reporting

    found = _run(user, role, lambda uow, actor: reporting.list_versions(uow, actor, case_id))
    if not found:
        typer.echo(f"case {case_id} has no report")
    for v in found:
        when = (v.signed_at or v.created_at).isoformat(timespec="seconds")
        line = f"v{v.version}\t{v.kind.value}\t{v.status.value}\t{v.signed_by or v.author}\t{when}"
        typer.echo(line + (f"\t{v.reason}" if v.reason else ""))


@report_app.command("draft")
def draft(
    case_id: int, field: _Field = None, user: _User = "pathologist", role: _Role = "pathologist"
) -> None:
    """Create the draft of CASE_ID or change its fields (-f conclusion=...)."""
    from marrowscope.services import reporting

    saved = _run(
        user,
        role,
        lambda uow, actor: reporting.save_draft(uow, actor, case_id, _parse_fields(field)),
    )
    typer.echo(f"draft v{saved.version} of case {case_id} saved")


_Confirm = Annotated[
    bool,
    typer.Option(
        "--confirm-warnings",
        help="sign although the count is small, tests are pending or AI cells undecided",
    ),
]


_SIGNERS = frozenset({Role.PATHOLOGIST})


@report_app.command("sign")
def sign(
    case_id: int,
    user: _User = "pathologist",
    role: _Role = "pathologist",
    confirm_warnings: _Confirm = False,
    meaning: SignatureMeaningOption = "authored",
    password_stdin: PasswordStdin = False,
) -> None:
    """Sign the draft of CASE_ID out (pathologists only); it cannot change afterwards."""
    from marrowscope.services import reporting

    signed = signed_run(
        user,
        role,
        password_stdin,
        _SIGNERS,
        lambda uow, signer: reporting.sign_report(
            uow,
            signer.actor(),
            case_id,
            confirm_warnings=confirm_warnings,
            signer_name=signer.display_name,
            meaning=meaning,
        ),  # fmt: skip
        meaning,
    )
    typer.echo(f"v{signed.version} of case {case_id} signed by {signed.signature}")


@report_app.command("amend")
def amend(
    case_id: int,
    reason: _Reason,
    field: _Field = None,
    user: _User = "pathologist",
    role: _Role = "pathologist",
    meaning: SignatureMeaningOption = "authored",
    password_stdin: PasswordStdin = False,
) -> None:
    """A signed amendment of CASE_ID's report; earlier versions stay as signed."""
    from marrowscope.services import reporting

    changes = run(lambda: _parse_fields(field))  # a bad pair costs no password attempt
    new = signed_run(
        user,
        role,
        password_stdin,
        _SIGNERS,
        lambda uow, signer: reporting.amend_report(
            uow,
            signer.actor(),
            case_id,
            changes,
            reason=reason,
            signer_name=signer.display_name,
            meaning=meaning,
        ),  # fmt: skip
        meaning,
    )
    typer.echo(f"v{new.version} (amendment) of case {case_id} signed by {new.signature}")


@report_app.command("addend")
def addend(
    case_id: int,
    text: str,
    reason: _Reason,
    pending: Annotated[
        str | None, typer.Option("--pending", help="tests still pending after this one")
    ] = None,
    user: _User = "pathologist",
    role: _Role = "pathologist",
    meaning: SignatureMeaningOption = "authored",
    password_stdin: PasswordStdin = False,
) -> None:
    """A signed addendum (supplementary report), e.g. the result of a pending test."""
    from marrowscope.services import reporting

    new = signed_run(
        user,
        role,
        password_stdin,
        _SIGNERS,
        lambda uow, signer: reporting.addend_report(
            uow,
            signer.actor(),
            case_id,
            text,
            reason=reason,
            pending_tests=pending,
            signer_name=signer.display_name,
            meaning=meaning,
        ),  # fmt: skip
        meaning,
    )
    typer.echo(f"v{new.version} (addendum) of case {case_id} signed by {new.signature}")


@report_app.command("release")
def release(
    case_id: int,
    version: Annotated[
        int | None,
        typer.Option(help="the newest signed version, which you read and release (required)"),
    ] = None,
    user: _User = "clinician",
    role: _Role = "clinician",
    password_stdin: PasswordStdin = False,
) -> None:
    """Release the newest signed version of CASE_ID to the patient (a recorded step).

    ``--version`` names that version, as the web page's tick box does: an amendment
    signed since you read the report is refused, not released unread. Who may release is
    the laboratory's setting ``MARROWSCOPE_RELEASE_BY``.
    """
    from marrowscope.bootstrap import get_settings
    from marrowscope.services import reporting

    releaser = Role(get_settings().release_by)
    number = signed_run(
        user,
        role,
        password_stdin,
        {releaser},
        lambda uow, signer: reporting.release_report(
            uow,
            signer.actor(),
            case_id,
            version=version,
            releaser=releaser,
            releaser_name=signer.display_name,
        ),  # fmt: skip
    )
    typer.echo(f"v{number} of case {case_id} released to the patient")


def register(app: typer.Typer) -> None:
    """Add the ``report`` group."""
    app.add_typer(report_app, name="report")
