"""``marrowscope differential`` (counts file to report) and ``marrowscope count`` (counter).

Both print the same report (``differential_text``) or, with ``--json``, every figure of
``assessment_to_dict``. Errors raised on purpose print one line to stderr and exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer

from marrowscope.cli._common import TEXT_MAX_BYTES, fail, read_input_text
from marrowscope.cli.differential_text import render_assessment
from marrowscope.domain.counting.assessment import Assessment, assess, assessment_to_dict
from marrowscope.domain.counting.confidence import IntervalMethod
from marrowscope.domain.counting.count_file import counts_to_csv, parse_counts_csv
from marrowscope.domain.counting.counter import CellCounter, counter_keys
from marrowscope.domain.counting.counts import CellCounts, merge_counts
from marrowscope.domain.counting.me_ratio import MEDefinition, default_me_definition
from marrowscope.domain.counting.taxonomy import info
from marrowscope.domain.counting.thresholds import Findings
from marrowscope.domain.errors import MarrowscopeError

__all__ = ["count", "differential", "register"]


def _read_counts(path: Path) -> CellCounts:
    text = read_input_text(path, TEXT_MAX_BYTES, "a 'code,count' CSV")
    return parse_counts_csv(text, source=str(path))


def _me_definition(blasts: bool | None, monocytes: bool | None) -> MEDefinition:
    default = default_me_definition()
    return MEDefinition(
        include_blasts=default.include_blasts if blasts is None else blasts,
        include_monocytes=default.include_monocytes if monocytes is None else monocytes,
    )


def _emit(assessment: Assessment, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(assessment_to_dict(assessment), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_assessment(assessment))


def differential(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV files with columns code,count; several files are merged."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print every figure as JSON.")] = False,
    previous: Annotated[
        Path | None, typer.Option("--previous", help="A previous count (CSV) to compare with.")
    ] = None,
    me_blasts: Annotated[
        bool | None,
        typer.Option("--me-blasts/--me-no-blasts", help="Count blasts as myeloid in M:E."),
    ] = None,
    me_monocytes: Annotated[
        bool | None,
        typer.Option("--me-monocytes/--me-no-monocytes", help="Count monocytes as myeloid."),
    ] = None,
    interval: Annotated[
        IntervalMethod, typer.Option("--interval", help="Binomial interval method.")
    ] = IntervalMethod.WILSON,
    ring_sideroblasts: Annotated[
        float | None,
        typer.Option("--ring-sideroblasts", help="Ring sideroblasts, % of erythroid precursors."),
    ] = None,
    sf3b1: Annotated[
        bool | None, typer.Option("--sf3b1-mutated/--sf3b1-wild-type", help="SF3B1 status.")
    ] = None,
    clonal_plasma_cells: Annotated[
        bool | None,
        typer.Option(
            "--clonal-plasma-cells/--polyclonal-plasma-cells", help="Plasma cell clonality."
        ),
    ] = None,
) -> None:
    """Differential, M:E, reference flags and WHO/ICC/IMWG thresholds of a cell count."""
    try:
        counts = merge_counts(*(_read_counts(path) for path in files))
        before = None if previous is None else _read_counts(previous)
        assessment = assess(
            counts,
            me_definition=_me_definition(me_blasts, me_monocytes),
            method=interval,
            findings=Findings(ring_sideroblasts, sf3b1, clonal_plasma_cells),
            previous=before,
            slides=len(files),
        )
    except MarrowscopeError as error:
        raise fail(error) from None
    _emit(assessment, as_json)


def _keys(stream: TextIO) -> Iterator[str]:
    """Characters as typed: raw single keys on a terminal, else the piped text."""
    if stream.isatty():  # pragma: no cover - needs a real terminal
        import termios
        import tty

        fd = stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            while key := stream.read(1):
                yield key
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        return
    while key := stream.read(1):
        yield key


def _help_text() -> str:
    keys = counter_keys()
    pairs = [f"{key}={code.value}" for key, code in keys.classes.items()]
    return " ".join(pairs) + f"  {keys.undo}=undo {keys.quit}=stop ?=keys"


def run_counter(stream: TextIO, counter: CellCounter) -> CellCounter:
    """Feed key presses to the counter until the target, the quit key or the end of input."""
    keys = counter_keys()
    typer.echo(f"Counting to {counter.target_cells} nucleated cells. Keys: {_help_text()}")
    for key in _keys(stream):
        if key.isspace():
            continue
        if key == keys.quit:
            break
        if key == "?":
            typer.echo(_help_text())
            continue
        if key == keys.undo:
            if not counter.presses:
                typer.echo("nothing to undo")
                continue
            undone = counter.last
            counter = counter.undo()
            typer.echo(f"undo {undone}  ({counter.nucleated_cells}/{counter.target_cells})")
            continue
        code = keys.classes.get(key)
        if code is None:
            typer.echo(f"unknown key {key!r} (? lists the keys)")
            continue
        counter = counter.add(code)
        typer.echo(
            f"{code.value} {info(code).name}: {counter.counts.get(code)}  "
            f"({counter.nucleated_cells}/{counter.target_cells})"
        )
        if counter.cue:
            typer.echo(f"--- {counter.nucleated_cells} cells ---\a")
        if counter.reached_target:
            typer.echo("Target reached.")
            break
    return counter


def count(
    target: Annotated[
        int | None, typer.Option("--target", min=1, help="Cells to count (default 500).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Save the counts as code,count CSV.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Count cells with one key per class (reads the keyboard, or piped keys, from stdin)."""
    try:
        counter = run_counter(sys.stdin, CellCounter.start(target_cells=target))
        if output is not None:
            output.write_text(counts_to_csv(counter.counts), encoding="utf-8")
            typer.echo(f"Saved {output}")
        if counter.nucleated_cells == 0:
            typer.echo("No nucleated cell counted.")
            return
        assessment = assess(counter.counts)
    except MarrowscopeError as error:
        raise fail(error) from None
    _emit(assessment, as_json)


def register(app: typer.Typer) -> None:
    """Add ``differential`` and ``count`` to the main app."""
    app.command("differential")(differential)
    app.command("count")(count)
