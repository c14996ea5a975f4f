"""Specimen labels: the SVG bars reproduce the Code 128 pattern of the accession number."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from PIL import Image

from marrowscope.domain.lab import SpecimenLabel
from marrowscope.services.lab import barcode_modules, label_png, label_svg

LABEL = SpecimenLabel(
    accession="BM26-000042",
    patient_name="DOE, Jo <& Co>",
    mrn="P-1",
    birth_date="1958-01-02",
    kind="aspirate edta",
    collected_at="2026-03-02 09:15 UTC",
)


def test_svg_bars_encode_the_accession_number() -> None:
    svg = label_svg(LABEL)
    root = ET.fromstring(svg)  # well-formed, with the name escaped
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = root.findall("s:g/s:rect", ns)
    modules = barcode_modules(LABEL.accession)
    unit = float(bars[0].get("width", "0")) / len(re.match(r"1+", modules).group(0))  # type: ignore[union-attr]

    rebuilt = ["0"] * len(modules)
    for bar in bars:
        start = round(float(bar.get("x", "0")) / unit) - 10
        width = round(float(bar.get("width", "0")) / unit)
        rebuilt[start : start + width] = ["1"] * width

    assert "".join(rebuilt) == modules
    texts = [t.text for t in root.findall("s:text", ns)]
    assert texts[0] == "DOE, Jo <& Co>" and texts[-1] == "BM26-000042"


def test_png_label_is_an_image() -> None:
    image = Image.open(io.BytesIO(label_png(LABEL)))

    assert image.format == "PNG" and image.width > 200
