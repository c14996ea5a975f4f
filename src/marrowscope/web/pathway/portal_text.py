"""Plain text for patients as HTML that reflows on a phone, with the number to call.

Texts reach the portal as plain strings: stored aftercare lines, the released summary,
the preparation sheet. Shown in a ``<pre>`` they kept every line break and ran off a
390 px screen; a sentence that says "call the team" gave no number. These
two filters fix both for text already stored as well as for new text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["paragraphs", "tel_href", "with_phone"]

# "call the team", "Call the haematology team", "contact the team" — not already followed
# by a number ("call the haematology team on 020 ...").
_CALL = re.compile(
    r"\b((?:call|contact|phone) the (?:haematology |care )?team)\b(?! on )", re.IGNORECASE
)


def tel_href(phone: str) -> str:
    """A ``tel:`` link target: digits and a leading plus only."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def with_phone(text: str, phone: str) -> Markup:
    """``text`` escaped, with the care team's number (a tap-to-call link) after every
    "call the team"; a number already written in the text is linked instead.

    Returns the text unchanged (escaped) when no number is configured.
    """
    safe = str(escape(text))
    if not phone:
        return Markup(safe)
    link = f'<a class="tel" href="{escape(tel_href(phone))}">{escape(phone)}</a>'
    if str(escape(phone)) in safe:
        return Markup(safe.replace(str(escape(phone)), link))
    return Markup(_CALL.sub(lambda m: f"{m.group(1)} on {link}", safe))


def paragraphs(text: str | None, phone: str = "") -> Markup:
    """Plain text as paragraphs and lists, without its hard line breaks.

    A blank line ends a paragraph; lines starting with "- " become list items; the other
    lines of a paragraph are joined with spaces so the browser wraps them to the screen.
    """
    if not text:
        return Markup("")
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        prose: list[str] = []
        items: list[str] = []
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("- "):
                items.append(line[2:])
            elif items and line:  # a wrapped bullet continues the last item
                items[-1] += " " + line
            elif line:
                prose.append(line)
        if prose:
            out.append(f"<p>{with_phone(' '.join(prose), phone)}</p>")
        if items:
            out.append(
                "<ul>" + "".join(f"<li>{with_phone(i, phone)}</li>" for i in items) + "</ul>"
            )
    return Markup("".join(out))
