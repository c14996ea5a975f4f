"""Printable specimen labels: Code 128 barcode of the accession number (python-barcode)
with the human-readable lines beneath, as SVG (or PNG through Pillow).

Code 128 is what laboratory scanners read by default and encodes the accession's
letters and digits compactly. The SVG is drawn from python-barcode's module pattern so
that it scales exactly into a 60 x 30 mm label.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from barcode import Code128
from barcode.writer import ImageWriter

from marrowscope.domain.lab import SpecimenLabel

__all__ = ["barcode_modules", "label_png", "label_svg"]

_WIDTH_MM = 60.0
_QUIET_MODULES = 10  # Code 128 needs a quiet zone of at least 10 modules each side


def barcode_modules(data: str) -> str:
    """The Code 128 bar pattern of ``data`` ('1' = bar module), check digit included."""
    return str(Code128(data).build()[0])


def label_svg(label: SpecimenLabel) -> str:
    """A 60 x 30 mm label: barcode on top, then patient, MRN/DOB, kind, time, accession."""
    modules = barcode_modules(label.accession)
    total = len(modules) + 2 * _QUIET_MODULES
    unit = _WIDTH_MM / total
    bars = []
    i = 0
    while i < len(modules):
        if modules[i] == "1":
            j = i
            while j < len(modules) and modules[j] == "1":
                j += 1
            x = (i + _QUIET_MODULES) * unit
            bars.append(f'<rect x="{x:.3f}" y="1" width="{(j - i) * unit:.3f}" height="12"/>')
            i = j
        else:
            i += 1
    text = "".join(
        f'<text x="2" y="{16.5 + 2.7 * n:.1f}" font-family="DejaVu Sans Mono, monospace" '
        f'font-size="2.3">{escape(line)}</text>'
        for n, line in enumerate(label.lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="60mm" height="30mm" '
        f'viewBox="0 0 60 30"><rect width="60" height="30" fill="white"/>'
        f'<g fill="black">{"".join(bars)}</g>{text}</svg>'
    )


def label_png(label: SpecimenLabel, *, dpi: int = 300) -> bytes:
    """The barcode with the accession as text, as PNG (for label printers that take images)."""
    buffer = io.BytesIO()
    Code128(label.accession, writer=ImageWriter()).write(
        buffer, options={"dpi": dpi, "module_height": 8.0, "font_size": 8, "text_distance": 3}
    )
    return buffer.getvalue()
