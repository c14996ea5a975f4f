"""Every command that reads a file a person names refuses a FIFO, a device or a huge file
by type and size before reading a byte: no hang, no MemoryError, one ``error:`` line.

The huge file is sparse (``truncate`` to 5 GB): it costs no disk, and any command that
still read it whole would need 5 GB of memory. ``timeout`` fails a command that blocks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.cli._common import TEXT_MAX_BYTES, read_input_file
from marrowscope.cli.app import app
from marrowscope.domain.errors import InvalidInput

runner = CliRunner()

# (command line before the path, exit status of a refusal); each reads the path given
COMMANDS: list[tuple[list[str], int]] = [
    (["differential"], 2),
    (["differential", "--previous"], 2),  # the path is the previous count; see _args
    (["risk", "ipssm"], 2),
    (["import", "fhir", "--case", "1"], 2),
    (["import", "hl7", "--case", "1"], 2),
    (["case", "walk"], 2),
    (["classify"], 1),  # an unreadable image is an error row; none readable: exit 1
    (["detect"], 1),
    (["classify", "--model"], 2),
    (["evaluate", "--model"], 2),
]


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.csv"
    os.mkfifo(path)
    return path


def _sparse(tmp_path: Path) -> Path:
    path = tmp_path / "huge.jpg"
    with path.open("wb") as stream:
        stream.truncate(5 * 1024**3)
    return path


def _zero(tmp_path: Path) -> Path:
    return Path("/dev/zero")


KINDS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (_fifo, "not a regular file"),
    "dev-zero": (_zero, "not a regular file"),
    "sparse-5GB": (_sparse, "over the limit of"),
}


def _args(command: list[str], path: Path, tmp_path: Path) -> list[str]:
    counts = tmp_path / "counts.csv"
    counts.write_text("code,count\nLYT,60\nNGS,40\n", encoding="utf-8")
    if command[-1] == "--previous":
        return [*command[:-1], str(counts), "--previous", str(path)]
    if command[-1] == "--model":
        return (
            [*command, str(path), str(counts)]
            if command[0] == "classify"
            else [
                *command,
                str(path),
            ]
        )
    return [*command, str(path)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(("command", "status"), COMMANDS, ids=[" ".join(c) for c, _ in COMMANDS])
def test_command_refuses_what_is_not_a_bounded_regular_file(
    command: list[str],
    status: int,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    make, words = KINDS[kind]
    path = make(tmp_path)

    result = runner.invoke(app, _args(command, path, tmp_path))

    assert result.exit_code == status, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert words in result.output
    assert "Traceback" not in result.output


def test_read_input_file_reads_a_file_at_the_limit_and_refuses_one_byte_more(
    tmp_path: Path,
) -> None:
    at_limit = tmp_path / "at.txt"
    at_limit.write_bytes(b"x" * 100)

    assert read_input_file(at_limit, 100) == b"x" * 100
    with pytest.raises(InvalidInput, match="101 bytes, over the limit of 100"):
        at_limit.write_bytes(b"x" * 101)
        read_input_file(at_limit, 100)


def test_read_input_file_refuses_a_folder_and_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="is a folder"):
        read_input_file(tmp_path, TEXT_MAX_BYTES)
    with pytest.raises(InvalidInput, match="absent.csv: no such file"):
        read_input_file(tmp_path / "absent.csv", TEXT_MAX_BYTES)
