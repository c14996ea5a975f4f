"""Detection labels: a box repeated line for line is one annotation, overlapping boxes stay."""

from __future__ import annotations

from pathlib import Path

from marrowscope.ai.detection.yolo_labels import read_yolo_boxes


def test_exact_duplicate_lines_count_once_and_touching_cells_are_kept(tmp_path: Path) -> None:
    """Six copies of one box (as in TXL-PBC's test split) are one box; a neighbour is another."""
    label = tmp_path / "field.txt"
    repeated = "0 0.5 0.5 0.2 0.2\n" * 6
    label.write_text(repeated + "0 0.52 0.5 0.2 0.2\n\n2 0.1 0.1 0.02 0.02\n")

    boxes, classes = read_yolo_boxes(label, 100, 50)

    assert classes.tolist() == [0, 0, 2]
    assert boxes[0].tolist() == [40.0, 20.0, 60.0, 30.0]
    assert boxes[1].tolist()[0] == 42.0


def test_a_field_without_a_label_file_has_no_boxes(tmp_path: Path) -> None:
    boxes, classes = read_yolo_boxes(tmp_path / "missing.txt", 100, 100)
    assert boxes.shape == (0, 4) and classes.shape == (0,)
