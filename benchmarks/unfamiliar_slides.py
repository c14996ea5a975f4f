"""The slide-level "unfamiliar" bound: calibrated on two sources, checked on the others.

Every TXL-PBC field (train and validation) goes through the app's own detector, crops
and classifier (``ai.field_cells``, ``ai.infer``); each white cell keeps its source,
its feature-space distance, whether its colours lie outside the training laboratory's
(``ai.stain_profile``), its code and whether that code contradicts the detector.
TXL-PBC names no source per field; its four sources have four image sizes, so the size
names the source: 360x363 (and 366x369) PBC, the classifier's own laboratory; 575x575
Raabin-WBC; 640x480 BCCD; 416x416 a BCCD-derived re-export (BCD). BCCD white cells are
reserved for independent measurement, so the bound is *calibrated* on PBC (false
alarms) and Raabin (misses) only, and BCCD/BCD fields are only *measured*.

Slides are simulated as draws of fields from one source (2,000 slides per size), as a
lab would photograph them, and the rule of ``domain.ai_review.shift`` decides each.
Printed: per source, cells, per-cell unfamiliar rate and contradictions; per slide
size, the share of slides marked (a false alarm on PBC, a catch elsewhere), beside the
old rule (at least 3 cells and 20 %) measured on the same draws.

    .venv/bin/python benchmarks/unfamiliar_slides.py [--cache var/unfamiliar_cells.json]
        [--model SIDECAR.json]   # a candidate instead of the shipped classifier
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from marrowscope.ai.detection.sources import source_of
from marrowscope.ai.field_cells import DetectorFieldCellFinder
from marrowscope.ai.infer import CellClassifier, default_model_path
from marrowscope.domain.ai_review.shift import SHIFT_ALPHA, SHIFT_CELL_RATE, shift_expected
from marrowscope.domain.counting.taxonomy import CellClass

_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "txl_pbc"
CALIBRATION = ("PBC", "Raabin")
SLIDE_FIELDS = (5, 10, 20, 50)
DRAWS = 2000

Cell = dict[str, object]


def _say(line: str) -> None:
    print(line)  # noqa: T201 - a benchmark prints its figures


def gather(root: Path, threads: int, model: Path) -> dict[str, list[list[Cell]]]:
    """Per source, per field: the classified white cells of every TXL-PBC field."""
    from marrowscope.domain.ai_review.contradiction import contradicts_detector

    finder = DetectorFieldCellFinder(threads=threads)
    classifier = CellClassifier(model, threads=threads)
    out: dict[str, list[list[Cell]]] = {}
    for split in ("train", "val"):
        for path in sorted((root / "images" / split).glob("*.jpg")):
            with Image.open(path) as opened:
                source = source_of(opened.size)
            found = finder.find(path.read_bytes(), path.name)
            crops = [c.crop for c in found.white_cells]
            cells = []
            for p in classifier.classify_images(crops) if crops else []:
                if p.code is None:
                    continue
                cells.append(
                    {
                        "code": p.code,
                        "confidence": round(p.confidence, 4),
                        "distance": round(p.ood_distance, 3),
                        "unfamiliar": p.unfamiliar,
                        "odd_stain": p.unfamiliar
                        and p.ood_distance <= classifier.spec.ood_threshold,
                        "review": p.review,
                        "contradiction": contradicts_detector(CellClass(p.code)),
                    }
                )
            out.setdefault(source, []).append(cells)
    return out


def _old_rule(slide: list[Cell]) -> bool:
    """The earlier rule: at least 3 unfamiliar cells and 20 % of the slide."""
    unfamiliar = sum(1 for c in slide if c["unfamiliar"])
    return unfamiliar >= 3 and unfamiliar >= 0.2 * len(slide)


def _new_rule(slide: list[Cell]) -> bool:
    """``domain.ai_review.shift``: odd cells (unfamiliar or contradicting) by a binomial test."""
    odd = sum(1 for c in slide if c["unfamiliar"] or c["contradiction"])
    return shift_expected(odd, len(slide))


def _marked_share(
    fields: list[list[Cell]], n_fields: int, rule: Callable[[list[Cell]], bool], seed: int
) -> float:
    rng = random.Random(seed)
    with_cells = [f for f in fields if f]
    marked = 0
    for _ in range(DRAWS):
        marked += rule(
            [c for f in rng.sample(with_cells, min(n_fields, len(with_cells))) for c in f]
        )
    return marked / DRAWS


def report(data: dict[str, list[list[Cell]]]) -> None:
    """Per-cell figures per source, then the slide rules on simulated slides."""
    _say(
        f"rule: odd cells k of n, binomial tail P(X >= k | n, p0={SHIFT_CELL_RATE}) "
        f"< {SHIFT_ALPHA} and k >= 3; old rule: >= 3 unfamiliar and >= 20 %"
    )
    for source, fields in sorted(data.items()):
        cells = [c for f in fields for c in f]
        n = max(1, len(cells))
        role = "calibration" if source in CALIBRATION else "measured only"
        _say(
            f"{source:<7} ({role}): {len(fields)} fields, {len(cells)} white cells; "
            f"unfamiliar {sum(bool(c['unfamiliar']) for c in cells) / n:.1%} "
            f"(by colour alone {sum(bool(c.get('odd_stain')) for c in cells) / n:.1%}), "
            f"marked for review {sum(bool(c['review']) for c in cells) / n:.1%}, "
            f"contradictions {sum(bool(c['contradiction']) for c in cells) / n:.1%}"
        )
    for n_fields in SLIDE_FIELDS:
        for source, fields in sorted(data.items()):
            old = _marked_share(fields, n_fields, _old_rule, n_fields)
            new = _marked_share(fields, n_fields, _new_rule, n_fields)
            what = "false alarms" if source == "PBC" else "slides marked"
            _say(
                f"{n_fields:>3}-field slides, {source:<7} {what}: new rule {new:6.1%}   "
                f"old rule {old:6.1%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_DATA)
    parser.add_argument("--cache", type=Path, default=Path("var/unfamiliar_cells.json"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", type=Path, default=default_model_path(), help="sidecar")
    args = parser.parse_args()
    _say(f"classifier {args.model.stem}")
    # the cache is only reused for the very same sidecar and weights
    key = hashlib.sha256(args.model.read_bytes()).hexdigest()
    cached = json.loads(args.cache.read_text()) if args.cache.is_file() else {}
    if cached.get("model") == key:
        data = cached["sources"]
    else:
        data = gather(args.data, args.threads, args.model)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        args.cache.write_text(json.dumps({"model": key, "sources": data}))
    report(data)


if __name__ == "__main__":
    main()
