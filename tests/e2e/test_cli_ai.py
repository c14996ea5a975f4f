"""``marrowscope classify | evaluate | train`` as a person types them."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.cli.app import app

runner = CliRunner()


def test_classify_csv_has_a_header_and_one_row_per_image(shared_data: Path, tmp_path: Path) -> None:
    """A folder of 14 Matek cells plus one corrupt file gives 15 rows; the artefact is flagged."""
    folder = tmp_path / "cells"
    shutil.copytree(shared_data / "matek_samples", folder)
    (folder / "corrupt.jpg").write_bytes(b"garbage")

    result = runner.invoke(app, ["classify", str(folder), "--csv"])

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 15
    assert {"path", "code", "confidence", "review"} <= set(rows[0])
    by_name = {Path(r["path"]).name: r for r in rows}
    assert by_name["ART_00009.jpg"]["review"] == "true"
    assert by_name["corrupt.jpg"]["error"] and by_name["corrupt.jpg"]["code"] == ""
    assert "corrupt.jpg" in result.stderr


def test_classify_json_and_table_say_what_the_model_cannot_recognise(
    shared_data: Path,
) -> None:
    """Both outputs carry the limits: healthy peripheral blood, no blasts, no plasma cells."""
    image = str(shared_data / "matek_samples" / "NGS_00009.jpg")

    as_json = runner.invoke(app, ["classify", image, "--json"])
    as_table = runner.invoke(app, ["classify", image])

    payload = json.loads(as_json.stdout)
    assert len(payload["cells"]) == 1 and len(payload["cells"][0]["top3"]) == 3
    assert "blasts" in payload["note"]
    assert "NGS_00009.jpg" in as_table.stdout and "plasma" in as_table.stdout


def test_classify_table_says_why_cells_are_marked(shared_data: Path, tmp_path: Path) -> None:
    """A cell from a yellow-backed slide: "review yes" and, below the table, why."""
    from PIL import Image

    source = sorted((shared_data / "pbc" / "neutrophil").glob("*.jpg"))[0]
    with Image.open(source) as opened:
        red, green, blue = opened.convert("RGB").split()
    blue = blue.point(lambda v: int(v * 0.7))
    tinted = tmp_path / "yellow.png"
    Image.merge("RGB", (red, green, blue)).save(tinted)

    result = runner.invoke(app, ["classify", str(tinted), str(source)])

    assert result.exit_code == 0, result.output
    assert "review: 1 image(s) with colours unlike the training laboratory's" in result.stdout
    assert "cannot be trusted" in result.stdout


def test_classify_abstains_on_a_run_from_another_laboratory(
    shared_data: Path, tmp_path: Path
) -> None:
    """Twelve yellow-backed cells: every one marked, the reason once; own-lab cells are not."""
    from PIL import Image

    foreign, own = tmp_path / "foreign", tmp_path / "own"
    foreign.mkdir()
    own.mkdir()
    for i, source in enumerate(sorted((shared_data / "pbc" / "lymphocyte").glob("*.jpg"))[:12]):
        shutil.copy(source, own / source.name)
        with Image.open(source) as opened:
            red, green, blue = opened.convert("RGB").split()
        Image.merge("RGB", (red, green, blue.point(lambda v: int(v * 0.7)))).save(
            foreign / f"cell{i}.png"
        )

    away = runner.invoke(app, ["classify", str(foreign), "--json"])
    home = runner.invoke(app, ["classify", str(own), "--json"])

    payload = json.loads(away.stdout)
    assert payload["abstained"] and "the model abstains: 12 of 12" in payload["abstained"]
    assert all(c["review"] and "abstains on this run" in c["reason"] for c in payload["cells"])
    assert json.loads(home.stdout)["abstained"] is None


def test_classify_exits_1_when_no_image_could_be_read(tmp_path: Path) -> None:
    """All files broken: a non-zero status so a script notices; each file is named."""
    for name in ("a.jpg", "b.png"):
        (tmp_path / name).write_bytes(b"nope")

    result = runner.invoke(app, ["classify", str(tmp_path / "a.jpg"), str(tmp_path / "b.png")])

    assert result.exit_code == 1
    assert "a.jpg" in result.stderr and "b.png" in result.stderr


def test_evaluate_prints_the_metrics_and_writes_a_confusion_png(
    shared_data: Path, tmp_path: Path
) -> None:
    """Per-class P/R/F1, macro F1, balanced accuracy and ECE on the model's own test split."""
    png = tmp_path / "confusion.png"

    result = runner.invoke(
        app, ["evaluate", "--data", str(shared_data / "pbc"), "--confusion", str(png)]
    )

    assert result.exit_code == 0, result.output
    for needle in ("macro F1", "balanced accuracy", "ECE", "grouped accuracy", "PMO", "PLT"):
        assert needle in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_on_marrow_cells_lists_classes_it_cannot_score(shared_data: Path) -> None:
    """Blasts and plasma cells of the Matek samples are reported as unrecognisable, not scored."""
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--data",
            str(shared_data / "matek_samples"),
            "--layout",
            "matek",
            "--split",
            "all",
            "--confusion",
            "/dev/null",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "not recognisable by this model" in result.stdout and "BLA=1" in result.stdout


def test_train_command_runs_a_smoke_run(shared_data: Path, tmp_path: Path) -> None:
    """``marrowscope train`` with a config, a seed and one batch leaves a shippable model."""
    pytest.importorskip("torch")
    data = tmp_path / "data"
    for folder, code in (("basophil", "BAS"), ("erythroblast", "EBO")):
        (data / code).mkdir(parents=True)
        for image in sorted((shared_data / "pbc" / folder).glob("*.jpg"))[:12]:
            shutil.copy(image, data / code / image.name)
    config = tmp_path / "t.toml"
    config.write_text(
        f'name = "t"\n[data]\nlayout = "folders"\ndata_root = "{data}"\n'
        "[model]\ninput_size = 32\nwidths = [8]\n[train]\nepochs = 1\nbatch_size = 8\n"
        f'threads = 1\n[output]\nrun_dir = "{tmp_path / "run"}"\ncache_dir = "{tmp_path / "c"}"\n',
        encoding="utf-8",
    )

    result = runner.invoke(
        app,
        [
            "train",
            "--config",
            str(config),
            "--seed",
            "3",
            "--max-batches",
            "1",
            "--ship-to",
            str(tmp_path / "out"),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "test macro F1" in result.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"t.onnx", "t.json", "t.split.csv"}


def test_train_refuses_an_unknown_setting(tmp_path: Path) -> None:
    """A misspelt knob is an error, not a silently ignored line."""
    pytest.importorskip("torch")
    config = tmp_path / "bad.toml"
    config.write_text("[train]\nepoch = 3\n", encoding="utf-8")

    result = runner.invoke(app, ["train", "--config", str(config)])

    assert result.exit_code == 2
    assert "epoch" in result.stderr


def test_train_help_names_the_extra_to_install() -> None:
    """Rich markup once swallowed ``[train]``, leaving an install line that installs nothing."""
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert "pip install 'marrowscope[train]'" in result.output
