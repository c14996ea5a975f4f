"""``marrowscope risk ipssm``: IPSS-M, IPSS-R and IPSS-RA for a file of patients.

Reads the input template of the authors' IPSS-M calculator (papaemmelab/ipssm and
ipssm-js: one patient per row, ``NA`` for a result not known) and writes it back with
the scores appended, so that a file prepared for the web calculator can be scored here
unchanged. One bad row must not cost the whole file: it is named on stderr, its score
columns are left empty, the others are scored, and the exit status says so (2).
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from marrowscope.cli._common import fail, read_input_text
from marrowscope.domain.diagnosis.findings import IpssrCytoGroup
from marrowscope.domain.diagnosis.risk.ipssm import (
    GENE_INPUTS,
    IpssmInputs,
    Tp53Mutations,
    ipssm_scores,
)
from marrowscope.domain.diagnosis.risk.ipssr import IpssrInputs, ipssr, ipssra
from marrowscope.domain.errors import InvalidInput, MarrowscopeError

__all__ = ["OUTPUT_COLUMNS", "REQUIRED_COLUMNS", "register", "score_row"]

MAX_BYTES = 50 * 1024 * 1024
# Spellings of "not known" that the authors' reader accepts (R/IPSSMread.R na.strings).
_NA = frozenset({"", "NA", "N/A", "n/a", "na"})
REQUIRED_COLUMNS: tuple[str, ...] = (
    "ID", "HB", "PLT", "BM_BLAST", "del5q", "del7_7q", "complex", "CYTO_IPSSR",
    "del17_17p", "TP53mut", "TP53maxvaf", "TP53loh", *GENE_INPUTS,
)  # fmt: skip
# ANC and AGE are needed for IPSS-R / IPSS-RA only; the R package's template lacks them.
OPTIONAL_COLUMNS: tuple[str, ...] = ("ANC", "AGE")
OUTPUT_COLUMNS: tuple[str, ...] = (
    "IPSSM_SCORE", "IPSSM_CAT", "IPSSM_SCORE_BEST", "IPSSM_CAT_BEST",
    "IPSSM_SCORE_WORST", "IPSSM_CAT_WORST", "IPSSR_SCORE", "IPSSR_CAT",
    "IPSSRA_SCORE", "IPSSRA_CAT",
)  # fmt: skip

risk_app = typer.Typer(
    help="Prognostic risk scores (IPSS-M, IPSS-R, IPSS-RA).", no_args_is_help=True
)

T = TypeVar("T")


class RowError(Exception):
    """A value in one column of one row that cannot be used; names the column."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _cell(row: Mapping[str, str], column: str, parse: Callable[[str], T]) -> T | None:
    """The parsed value of ``column``, None when it is absent or spelt as not known."""
    text = row.get(column, "").strip()
    if text in _NA:
        return None
    try:
        return parse(text)
    except ValueError as error:
        raise RowError(column, f"{text!r} {error}") from None


def _number(maximum: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError("must be a number >= 0")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum:g}")
        return value

    return parse


def _binary(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("must be 0, 1 or NA")
    return text == "1"


def _cyto(text: str) -> IpssrCytoGroup:
    try:
        return IpssrCytoGroup(text)
    except ValueError:
        names = ", ".join(group.value for group in IpssrCytoGroup)
        raise ValueError(f"must be one of {names} or NA") from None


def _tp53mut(text: str) -> Tp53Mutations:
    try:
        return Tp53Mutations(text)
    except ValueError:
        raise ValueError("must be 0, 1, 2 or more, or NA") from None


def _fmt(value: float | None) -> str:
    """A score as the calculator prints it: no trailing zeros, never '-0'."""
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def score_row(row: Mapping[str, str]) -> dict[str, str]:
    """The output columns for one input row; raises ``RowError`` naming a bad column."""
    hb = _cell(row, "HB", _number())
    plt = _cell(row, "PLT", _number())
    blasts = _cell(row, "BM_BLAST", _number(100))
    cyto = _cell(row, "CYTO_IPSSR", _cyto)
    anc = _cell(row, "ANC", _number())
    age = _cell(row, "AGE", _number(150))
    inputs = IpssmInputs(
        hb_g_dl=hb,
        plt_per_nl=plt,
        bm_blasts_percent=blasts,
        cytogenetics=cyto,
        del5q=_cell(row, "del5q", _binary),
        del7_7q=_cell(row, "del7_7q", _binary),
        complex_karyotype=_cell(row, "complex", _binary),
        del17_17p=_cell(row, "del17_17p", _binary),
        tp53_mutations=_cell(row, "TP53mut", _tp53mut),
        tp53_max_vaf=_cell(row, "TP53maxvaf", _number(1)),
        tp53_loh=_cell(row, "TP53loh", _binary),
        genes={gene: _cell(row, gene, _binary) for gene in GENE_INPUTS},
    )
    scores = ipssm_scores(inputs)
    r_inputs = IpssrInputs(cyto, blasts, hb, plt, anc, age)
    r, ra = ipssr(r_inputs), ipssra(r_inputs)
    return {
        "IPSSM_SCORE": _fmt(scores.mean.score),
        "IPSSM_CAT": scores.mean.category,
        "IPSSM_SCORE_BEST": _fmt(scores.best.score),
        "IPSSM_CAT_BEST": scores.best.category,
        "IPSSM_SCORE_WORST": _fmt(scores.worst.score),
        "IPSSM_CAT_WORST": scores.worst.category,
        "IPSSR_SCORE": _fmt(r.score),
        "IPSSR_CAT": r.category or "",
        "IPSSRA_SCORE": _fmt(ra.score),
        "IPSSRA_CAT": ra.category or "",
    }


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, fields) of each data row; refuses what cannot be a template."""
    text = read_input_text(path, MAX_BYTES, "the IPSS-M CSV template", encoding="utf-8-sig")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter="\t" if path.suffix == ".tsv" else ","
    )
    try:
        header = [name.strip() for name in next(reader)]
        rows = [(reader.line_num, fields) for fields in reader if any(f.strip() for f in fields)]
    except StopIteration:
        raise InvalidInput(f"{path}: empty file (expected a header row)") from None
    except csv.Error as error:
        raise InvalidInput(f"{path}: line {reader.line_num}: not valid CSV ({error})") from None
    absent = [name for name in REQUIRED_COLUMNS if name not in header]
    if absent:
        raise InvalidInput(f"{path}: missing column(s) {', '.join(absent)}")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InvalidInput(f"{path}: column(s) given twice: {', '.join(duplicated)}")
    return header, rows


def _score_file(source: Path, write: Callable[[list[str]], None]) -> tuple[int, int]:
    """Score every row of ``source``, passing output rows to ``write``; (bad, total)."""
    header, rows = _read_table(source)
    columns = [*header, *(c for c in OUTPUT_COLUMNS if c not in header)]
    write(columns)
    bad = 0
    for line, fields in rows:
        row = dict(zip(header, fields, strict=False))
        label = f"line {line} (ID {row.get('ID', '').strip() or '?'})"
        scored: dict[str, str] = {}
        if len(fields) != len(header):
            bad += 1
            typer.echo(
                f"error: {label}: {len(fields)} fields, the header has {len(header)}", err=True
            )
        else:
            try:
                scored = score_row(row)
            except RowError as error:
                bad += 1
                typer.echo(f"error: {label}, column {error.column}: {error}", err=True)
            except MarrowscopeError as error:  # pragma: no cover - the parsers check first
                bad += 1
                typer.echo(f"error: {label}: {error}", err=True)
        write([scored.get(c, "") if c in OUTPUT_COLUMNS else row.get(c, "") for c in columns])
    return bad, len(rows)


@risk_app.command("ipssm")
def ipssm_command(
    source: Annotated[
        Path, typer.Argument(help="IPSS-M calculator template (CSV; .tsv for tabs).")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the scored CSV here (default: stdout)."),
    ] = None,
) -> None:
    """Score IPSS-M (mean, best, worst), IPSS-R and IPSS-RA per row.

    Columns as in the authors' IPSS-M template: ID, HB (g/dL),
    PLT and ANC (x10^9/L), BM_BLAST (%), AGE, del5q, del7_7q,
    complex, del17_17p (0/1), CYTO_IPSSR (Very Good ... Very Poor),
    TP53mut (0, 1, 2 or more), TP53maxvaf (fraction 0-1), TP53loh,
    MLL_PTD, FLT3 and the gene columns (0/1); NA = not tested.
    ANC and AGE are optional (needed for IPSS-R and IPSS-RA only).

    Exit status 0 when every row was scored. Exit status 2 when any
    row was bad (each is named on stderr with its column; its score
    columns are left empty and the other rows are still scored), or
    when the file is missing, unreadable, over 50 MB or lacks a column.
    """
    try:
        if output is None:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            bad, total = _score_file(source, writer.writerow)
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            bad, total = _score_file(source, writer.writerow)
            try:
                output.write_text(buffer.getvalue(), encoding="utf-8")
            except OSError as error:
                raise InvalidInput(f"{output}: cannot be written ({error.strerror})") from None
    except MarrowscopeError as error:
        raise fail(error) from None
    if bad:
        typer.echo(
            f"error: {bad} of {total} rows not scored (their score columns are empty)", err=True
        )
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add the ``risk`` command group."""
    app.add_typer(risk_app, name="risk")
