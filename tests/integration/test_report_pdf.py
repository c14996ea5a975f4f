"""The demo case's signed report as a PDF: pages rendered to PNG (pdftoppm) and read back."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from marrowscope.bootstrap import Settings, build_engine, build_uow_factory, prepare_demo
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import reporting

PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, int, bytes]:
    folder = tmp_path_factory.mktemp("report_pdf")
    settings = Settings(database_url=f"sqlite:///{folder / 'demo.db'}")
    ids = prepare_demo(settings)
    with build_uow_factory(build_engine(settings))() as uow:
        pdf = reporting.report_pdf(uow, PATHOLOGIST, ids.case_id)
    return settings, ids.case_id, pdf


def _png_is_not_blank(path: Path) -> bool:
    """Decode an 8-bit grey PNG (pdftoppm -gray) and look for dark pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", body[:4])[0]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    # filter bytes aside, a text page has many pixels far from white (255)
    dark = sum(1 for i, b in enumerate(raw) if i % (width + 1) and b < 128)
    return dark > 1000


@needs_poppler
def test_demo_report_renders_to_pages_with_its_key_content(
    demo: tuple[Settings, int, bytes], tmp_path: Path
) -> None:
    """At least one non-blank page; the text names the patient and the M:E ratio."""
    _, _, pdf = demo
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)

    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-png", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout

    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 1
    assert _png_is_not_blank(pages[0])
    for wanted in ("M:E", "Daniel Demo", "DEMO-0001", "MF-1", "MDS-IB1", "Wilson"):
        assert wanted in text, wanted


@needs_poppler
def test_the_synoptic_summary_comes_first_and_says_what_the_body_says(
    demo: tuple[Settings, int, bytes], tmp_path: Path
) -> None:
    """Diagnosis, blasts, fibrosis and karyotype in the summary, before the sections."""
    _, _, pdf = demo
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-raw", str(source), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout

    summary = text[text.index("Summary") : text.index("Clinical")]
    for wanted in ("MDS-IB1", "MDS-EB", "nucleated cells", "MF-1", "del(5)(q31q33)"):
        assert wanted in summary, wanted
    assert text.index("Summary") < text.index("Integrated conclusion")


def test_rendering_the_signed_version_again_gives_the_stored_bytes(
    demo: tuple[Settings, int, bytes],
) -> None:
    """invariant=1 and dateless PNGs: the stored PDF equals a fresh rendering."""
    settings, case_id, pdf = demo
    with build_uow_factory(build_engine(settings))() as uow:
        view = reporting.report_view(uow, PATHOLOGIST, case_id)

    from marrowscope.reports.pdf import render_pdf

    assert render_pdf(view) == pdf


def test_cli_writes_the_report_pdf(demo: tuple[Settings, int, bytes], tmp_path: Path) -> None:
    settings, case_id, pdf = demo
    out = tmp_path / "out.pdf"
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": settings.database_url}

    done = subprocess.run(
        [str(Path(sys.executable).with_name("marrowscope")), "report", "pdf", str(case_id)]
        + ["-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == pdf


def test_cli_says_plainly_when_a_case_has_no_report(
    demo: tuple[Settings, int, bytes], tmp_path: Path
) -> None:
    settings, _, _ = demo
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": settings.database_url}

    done = subprocess.run(
        [str(Path(sys.executable).with_name("marrowscope")), "report", "pdf", "9999"]
        + ["-o", str(tmp_path / "none.pdf")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2
    assert "no case 9999" in done.stderr
    assert not (tmp_path / "none.pdf").exists()
