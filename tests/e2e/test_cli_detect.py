"""``marrowscope detect`` and ``marrowscope analyze`` as a person types them, bad files included."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from marrowscope.ai.detection.detector import default_detector_path
from marrowscope.cli.app import app

runner = CliRunner()

pytestmark = pytest.mark.skipif(
    not default_detector_path().is_file(), reason="no detector shipped in this checkout"
)


def _val_fields(shared_data: Path, n: int) -> list[Path]:
    return sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg"))[:n]


def _huge_png_header(path: Path, side: int) -> None:
    """A PNG whose header claims side x side pixels (Pillow reads the size before the data)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + ihdr + b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_detect_json_lists_cells_with_boxes_inside_the_image(shared_data: Path) -> None:
    fields = _val_fields(shared_data, 3)
    result = runner.invoke(app, ["detect", *map(str, fields), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [row["image"] for row in payload] == [str(f) for f in fields]
    for row in payload:
        assert {"image", "width", "height", "cells"} <= set(row)
        assert any(c["label"] == "WBC" for c in row["cells"])
        for cell in row["cells"]:
            x1, y1, x2, y2 = cell["box"]
            assert 0 <= x1 < x2 <= row["width"] and 0 <= y1 < y2 <= row["height"]
            assert cell["label"] in {"WBC", "RBC", "PLT"} and 0 < cell["score"] <= 1


def test_bad_files_get_their_own_error_and_the_batch_goes_on(
    shared_data: Path, tmp_path: Path
) -> None:
    good = _val_fields(shared_data, 1)[0]
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[:2000])
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1), "white").save(tiny)
    huge = tmp_path / "huge.png"
    _huge_png_header(huge, 20_000)
    empty = tmp_path / "empty.png"
    Image.new("RGB", (400, 300), (232, 222, 226)).save(empty)
    files = [text, truncated, tiny, huge, good, empty]

    result = runner.invoke(app, ["detect", *map(str, files), "--json"])

    assert result.exit_code == 0, result.output
    rows = {Path(r["image"]).name: r for r in json.loads(result.stdout)}
    assert "not a readable image" in rows["notes.jpg"]["error"]
    assert (
        "truncated" in rows["truncated.jpg"]["error"]
        or "readable" in rows["truncated.jpg"]["error"]
    )
    assert "too small" in rows["tiny.png"]["error"]
    assert "limit" in rows["huge.png"]["error"]
    assert rows["empty.png"]["cells"] == [] and rows[good.name]["cells"]
    for line in result.stderr.strip().splitlines():
        assert line.startswith("error: ") and "Traceback" not in line


def test_detect_exits_1_when_no_image_could_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 nothing")
    result = runner.invoke(app, ["detect", str(bad)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_a_large_scan_is_tiled_and_a_cell_on_a_tile_border_is_counted_once(
    shared_data: Path,
) -> None:
    """Four fields pasted into one 2 x 2 mosaic: tiling finds the four fields' white cells.

    Fields of the largest size (575-640 px) are used: a scan has one magnification, and
    tiles are cut at the scale of those fields (the detector's ``tile_px``).
    """
    fields = [p for p in _val_fields(shared_data, 200) if Image.open(p).size[0] >= 575][:4]
    singles = json.loads(runner.invoke(app, ["detect", *map(str, fields), "--json"]).stdout)
    side = 640
    mosaic = Image.new("RGB", (2 * side, 2 * side), (232, 222, 226))
    for i, path in enumerate(fields):
        with Image.open(path) as im:
            tile = im.convert("RGB")
            tile.thumbnail((side, side))
            mosaic.paste(tile, ((i % 2) * side, (i // 2) * side))
    from marrowscope.ai.detection.detector import CellDetector

    cells = CellDetector(threads=1).detect(mosaic)
    expected = sum(sum(c["label"] == "WBC" for c in row["cells"]) for row in singles)
    found = sum(c.label == "WBC" for c in cells)
    assert abs(found - expected) <= 1


def test_analyze_stores_every_white_cell_and_prints_an_ai_proposed_differential(
    shared_data: Path, tmp_path: Path
) -> None:
    """Fields (one as TIFF, one broken) -> cells stored with their origin, then exported."""
    folder = tmp_path / "slide-A"
    folder.mkdir()
    fields = _val_fields(shared_data, 4)
    for path in fields[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    with Image.open(fields[3]) as image:
        image.save(folder / "scan.tif")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    cli = CliRunner(env={"MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    analysed = cli.invoke(app, ["analyze", str(folder), "--case", "1"])
    again = cli.invoke(
        app, ["analyze", str(folder / fields[0].name), "--case", "1", "--slide", "slide-A"]
    )
    listed = cli.invoke(app, ["review", "list", "1", "--slide", "slide-A"])

    assert analysed.exit_code == 0, analysed.output
    assert "4 field(s) analysed" in analysed.output and "1 file(s) refused" in analysed.output
    assert "broken.jpg" in analysed.output and "AI-proposed" in analysed.output
    assert "nucleated cells" in analysed.output
    cells = listed.output.strip().splitlines()[1:]
    assert len(cells) >= 4 and all(",slide-A," in row and ",proposed," in row for row in cells)
    assert "already analysed for this case" in again.output  # the same field is not counted twice


def test_analyze_abstains_on_another_labs_fields_and_names_the_blind_spots(
    shared_data: Path, tmp_path: Path
) -> None:
    """Raabin fields (575 px): no proposed differential, the reason, where to classify."""
    folder = tmp_path / "foreign"
    folder.mkdir()
    fields = sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg"))
    foreign = [p for p in fields if Image.open(p).size[0] == 575][:20]
    for path in foreign:
        (folder / path.name).write_bytes(path.read_bytes())
    cli = CliRunner(env={"MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    analysed = cli.invoke(app, ["analyze", str(folder), "--case", "1"])

    assert analysed.exit_code == 0, analysed.output
    assert "no AI differential proposed: the model abstains on this slide" in analysed.output
    assert "look unlike the images the model was trained on" in analysed.output
    assert "/review/cases/1/gallery" in analysed.output
    assert "nucleated cells" not in analysed.output  # no table of AI percentages
    assert "no class for blasts, plasma cells or erythroid precursors" in analysed.output
