"""Hypothesis strategies for the fuzz tests: bad input, and good input gone slightly wrong.

Pure noise is refused by the first check of every parser, so most of the budget goes to
mutations of valid seeds (a real ORU^R01, a FHIR Bundle, a count file, a PNG), which
reach the code behind that check. ``MARROWSCOPE_FUZZ_EXAMPLES`` sets how many inputs
each test tries (``make test-fuzz`` raises it).
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image

__all__ = [
    "EXAMPLES",
    "FUZZ",
    "images",
    "json_documents",
    "mutated_text",
    "texts",
]

EXAMPLES = int(os.environ.get("MARROWSCOPE_FUZZ_EXAMPLES", "40"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=EXAMPLES <= 40,  # the short run in the default suite is the same every time
)

# Characters that mean something to one of the formats, drawn more often than chance would.
_SPECIAL = st.sampled_from(
    list("|^~\\&\r\n\t,\"'#{}[]:\x00\x0b\x1c\ufeff\u2028") + ["\r\n", "1e400", "-0", "NaN"]
)
texts = st.text(
    alphabet=st.one_of(st.characters(), _SPECIAL.filter(lambda s: len(s) == 1)), max_size=400
)


@st.composite
def mutated_text(draw: st.DrawFn, seed: str) -> str:
    """``seed`` with a few slices deleted, repeated, or replaced by special characters."""
    text = seed
    for _ in range(draw(st.integers(1, 6))):
        if not text:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start, min(len(text), start + 40)))
        action = draw(st.sampled_from(["delete", "repeat", "replace", "insert"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "repeat":
            text = text[:end] + text[start:end] * draw(st.integers(1, 50)) + text[end:]
        else:
            piece = draw(st.one_of(_SPECIAL, st.text(max_size=12), st.from_regex(r"-?\d{1,30}")))
            text = text[:start] + piece + (text[end:] if action == "replace" else text[start:])
    return text


_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _replace(document: Any, path: list[int], value: Any) -> Any:
    """``document`` with the node that ``path`` picks (index by index) replaced."""
    if not path or not isinstance(document, dict | list) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    copy: Any = dict(document) if isinstance(document, dict) else list(document)
    copy[key] = _replace(document[key], path[1:], value)
    return copy


@st.composite
def json_documents(draw: st.DrawFn, seed: dict[str, Any]) -> Any:
    """``seed`` with one to three nodes replaced by arbitrary JSON (or dropped to null)."""
    document: Any = seed
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.lists(st.integers(0, 20), min_size=1, max_size=6))
        document = _replace(document, path, draw(_JSON))
    return json.loads(json.dumps(document))


@st.composite
def images(draw: st.DrawFn) -> bytes:
    """A small PNG/JPEG/GIF/TIFF/BMP, often cut short or with a few bytes flipped."""
    width, height = draw(st.integers(1, 80)), draw(st.integers(1, 80))
    mode = draw(st.sampled_from(["RGB", "L", "RGBA", "P", "1", "I;16", "CMYK"]))
    kind = draw(st.sampled_from(["PNG", "JPEG", "GIF", "TIFF", "BMP"]))
    image = Image.new(mode, (width, height))
    buffer = io.BytesIO()
    try:
        image.save(buffer, kind)
    except (OSError, ValueError):  # a mode that format cannot hold
        image.convert("RGB").save(buffer, kind)
    data = bytearray(buffer.getvalue())
    cut = draw(st.sampled_from(["whole", "truncate", "flip", "noise"]))
    if cut == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif cut == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif cut == "noise":
        return draw(st.binary(max_size=300))
    return bytes(data)
