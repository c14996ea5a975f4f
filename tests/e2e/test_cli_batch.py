"""``marrowscope batch classify``: slide folders in parallel, filed one slide per
transaction, a manifest that makes a second run skip what is done, failures reported.

Runs on the process pool (Ray's start-up is slow for the default suite; the Ray path is
``benchmarks/batch.py`` and ``test_batch_on_ray``, marked slow).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import get_settings
from marrowscope.cli.app import app
from marrowscope.cli.batch import MANIFEST, MANIFESTS


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    if not default_model_path(get_settings().model_dir).is_file():
        pytest.skip("no model shipped in this checkout yet (src/marrowscope/ai/models)")
    return CliRunner(env={"MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})


def _slides(root: Path, shared_data: Path, n: int, per_slide: int) -> None:
    """``n`` slide folders of ``per_slide`` PBC cell images each (different images)."""
    files = sorted((shared_data / "pbc" / "neutrophil").glob("*.jpg"))
    for s in range(n):
        folder = root / f"slide-{s + 1}"
        folder.mkdir(parents=True)
        for f in files[s * per_slide : (s + 1) * per_slide]:
            shutil.copy(f, folder / f.name)


def _stored_cells(tmp_path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.connect() as conn:
        n = int(conn.execute(sa.text("SELECT count(*) FROM ai_cell_calls")).scalar_one())
    engine.dispose()
    return n


def test_slides_are_filed_once_and_a_second_run_skips_them(
    cli: CliRunner, tmp_path: Path, shared_data: Path
) -> None:
    root = tmp_path / "backlog"
    _slides(root, shared_data, 3, 4)
    (root / "slide-2" / "broken.jpg").write_bytes(b"not a jpeg")
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0
    command = ["batch", "classify", str(root), "--case", "1", "--engine", "processes"]

    first = cli.invoke(app, [*command, "--workers", "2"])
    again = cli.invoke(app, command)

    assert first.exit_code == 0, first.output
    assert "3 slide(s) filed (12 cells) on case 1, 0 already done, 0 failed" in first.output
    manifest = json.loads((root / MANIFEST).read_text())
    assert manifest["done"]["slide-2"] == {"cells": 4, "refused": 1}
    assert again.exit_code == 0, again.output
    assert "0 slide(s) filed (0 cells) on case 1, 3 already done" in again.output
    assert _stored_cells(tmp_path) == 12


def test_a_failing_slide_is_retried_reported_and_the_others_land(
    cli: CliRunner, tmp_path: Path, shared_data: Path
) -> None:
    root = tmp_path / "backlog"
    _slides(root, shared_data, 2, 3)
    (root / "slide-empty").mkdir()
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    result = cli.invoke(
        app,
        ["batch", "classify", str(root), "--case", "1", "--engine", "processes", "--retries", "1"],
    )

    assert result.exit_code == 1, result.output
    assert "slide slide-empty: failed after 2 tries: InvalidInput" in result.output
    assert "2 slide(s) filed (6 cells)" in result.output
    manifest = json.loads((root / MANIFEST).read_text())
    assert set(manifest["done"]) == {"slide-1", "slide-2"}
    assert manifest["failed"]["slide-empty"]["tries"] == 2
    assert _stored_cells(tmp_path) == 6


def test_bad_arguments_are_one_line_refusals(cli: CliRunner, tmp_path: Path) -> None:
    missing = cli.invoke(app, ["batch", "classify", str(tmp_path / "nope"), "--case", "1"])
    engine = cli.invoke(app, ["batch", "classify", str(tmp_path), "--case", "1", "--engine", "x"])

    assert missing.exit_code == 2 and "not a folder of slide folders" in missing.output
    assert engine.exit_code == 2 and "--engine must be" in engine.output


@pytest.mark.slow
def test_batch_on_ray(cli: CliRunner, tmp_path: Path, shared_data: Path) -> None:
    pytest.importorskip("ray", reason="pip install -e '.[cluster]'")
    root = tmp_path / "backlog"
    _slides(root, shared_data, 2, 3)
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    result = cli.invoke(
        app, ["batch", "classify", str(root), "--case", "1", "--engine", "ray", "--workers", "2"]
    )

    assert result.exit_code == 0, result.output
    assert "2 slide(s) filed (6 cells)" in result.output


def _field_slides(root: Path, shared_data: Path, n: int, per_slide: int) -> list[Path]:
    """``n`` slide folders of ``per_slide`` TXL-PBC smear fields each; all the fields."""
    files = sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg"))[: n * per_slide]
    for s in range(n):
        folder = root / f"slide-{s + 1}"
        folder.mkdir(parents=True)
        for f in files[s * per_slide : (s + 1) * per_slide]:
            shutil.copy(f, folder / f.name)
    return files


def _cells_by_slide(tmp_path: Path, db: str) -> dict[str, int]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / db}")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT slide_label, count(*) FROM ai_cell_calls GROUP BY slide_label")
        ).all()
    engine.dispose()
    return {str(label): int(n) for label, n in rows}


def test_batch_analyze_files_what_a_plain_analyze_stores(
    cli: CliRunner, tmp_path: Path, shared_data: Path
) -> None:
    """Field slides on two workers land as the one-process ``analyze`` stores them.

    The comparison is with the interactive command run slide by slide into a second
    database: the same cells per slide, whatever process found them.
    """
    root = tmp_path / "fields"
    _field_slides(root, shared_data, 2, 2)
    (root / "slide-2" / "torn.jpg").write_bytes(b"\xff\xd8 not a whole jpeg")
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0
    command = ["batch", "analyze", str(root), "--case", "1", "--engine", "processes"]

    first = cli.invoke(app, [*command, "--workers", "2"])
    again = cli.invoke(app, command)

    assert first.exit_code == 0, first.output
    assert "2 slide(s) filed" in first.output and "0 failed" in first.output
    manifest = json.loads((root / MANIFESTS["analyze"]).read_text())
    assert manifest["done"]["slide-2"]["refused"] == 1
    assert "0 slide(s) filed (0 cells) on case 1, 2 already done" in again.output
    batch = _cells_by_slide(tmp_path, "cli.db")
    plain = CliRunner(env={"MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'plain.db'}"})
    assert plain.invoke(app, ["case", "demo"]).exit_code == 0
    for slide in ("slide-1", "slide-2"):
        done = plain.invoke(app, ["analyze", str(root / slide), "--case", "1"])
        assert done.exit_code == 0, done.output
    assert batch == _cells_by_slide(tmp_path, "plain.db")
    assert sum(batch.values()) == sum(m["cells"] for m in manifest["done"].values()) > 0


@pytest.mark.slow
def test_batch_analyze_on_ray(cli: CliRunner, tmp_path: Path, shared_data: Path) -> None:
    pytest.importorskip("ray", reason="pip install -e '.[cluster]'")
    root = tmp_path / "fields"
    _field_slides(root, shared_data, 2, 2)
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    result = cli.invoke(
        app, ["batch", "analyze", str(root), "--case", "1", "--engine", "ray", "--workers", "2"]
    )

    assert result.exit_code == 0, result.output
    assert "2 slide(s) filed" in result.output
    assert sum(_cells_by_slide(tmp_path, "cli.db").values()) > 0


@pytest.mark.slow
def test_batch_on_a_ray_cluster_started_apart(tmp_path: Path, shared_data: Path) -> None:
    """``--address``: the slides run on a Ray head started by ``ray start`` (a cluster of
    one node, in processes of its own, token-authenticated as Ray advises), not on a Ray
    this command starts. The command runs as its own process, as an operator runs it."""
    pytest.importorskip("ray", reason="pip install -e '.[cluster]'")
    import os
    import secrets
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    subprocess.run(
        [str(bin_dir / "ray"), "start", "--head", "--node-ip-address", "127.0.0.1",
         "--port", str(port), "--num-cpus", "2", "--include-dashboard", "false",
         "--disable-usage-stats"],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    try:
        root = tmp_path / "backlog"
        _slides(root, shared_data, 2, 3)
        marrowscope = str(bin_dir / "marrowscope")
        subprocess.run([marrowscope, "case", "demo"], env=env, check=True, capture_output=True)
        result = subprocess.run(
            [marrowscope, "batch", "classify", str(root), "--case", "1",
             "--address", f"127.0.0.1:{port}"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        subprocess.run(
            [str(bin_dir / "ray"), "stop", "--force"], env=env, capture_output=True, timeout=120
        )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 slide(s) filed (6 cells)" in result.stdout
    assert _stored_cells(tmp_path) == 6


def test_an_unreachable_ray_cluster_is_a_one_line_refusal(
    cli: CliRunner, tmp_path: Path, shared_data: Path
) -> None:
    pytest.importorskip("ray", reason="pip install -e '.[cluster]'")
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = tmp_path / "backlog"
    _slides(root, shared_data, 1, 2)
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    result = cli.invoke(
        app, ["batch", "classify", str(root), "--case", "1", "--address", f"127.0.0.1:{port}"]
    )

    assert result.exit_code == 2, result.output
    assert "cannot reach the Ray cluster" in result.output
    assert "Traceback" not in result.output
