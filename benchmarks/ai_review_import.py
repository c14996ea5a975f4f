"""AI pre-classification of a 500-cell slide through the service, on a SQLite file.

Measures what a morphologist waits for: uploading N real images (model, thumbnails,
one row and one audit entry per cell, one transaction), confirming the unflagged
cells, deciding the rest one by one, and counting the slide into the differential.

    .venv/bin/python benchmarks/ai_review_import.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from marrowscope.bootstrap import (
    build_account_services,
    build_cell_reviewer,
    build_engine,
    build_review_stores,
    build_uow_factory,
    get_settings,
    upgrade_database,
)
from marrowscope.config import Settings
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import ai_review as review
from marrowscope.services.cases import open_case, register_patient

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pbc"


def main(n: int) -> None:
    """Print seconds and cells/s for each step."""
    images = sorted(DATA.glob("*/*.jpg"))[:: max(1, len(list(DATA.glob("*/*.jpg"))) // n)][:n]
    uploads = [review.UploadedImage(p.name, p.read_bytes()) for p in images]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/bench.db", model_dir=get_settings().model_dir
        )
        upgrade_database(settings)
        factory = build_uow_factory(build_engine(settings))
        stores = build_review_stores(build_account_services(factory))
        reviewer = build_cell_reviewer(settings)
        clerk, morph = Actor("c", Role.CLINICIAN), Actor("m", Role.MORPHOLOGIST)
        with factory() as uow:
            patient = register_patient(
                uow, clerk, mrn="B-1", family_name="Bench", given_name="B",
                birth_date=date(1970, 1, 1), sex="male",
            )  # fmt: skip
            case_id = open_case(uow, clerk, patient.id).id

        reviewer.classify([u.data for u in uploads[:8]])  # warm the ONNX session
        with factory() as uow:
            start = time.perf_counter()
            result = review.import_images(uow, stores, reviewer, morph, case_id, "S1", uploads)
            upload_s = time.perf_counter() - start
            start = time.perf_counter()
            bulk = review.confirm_unflagged(uow, stores, morph, case_id, "S1")
            bulk_s = time.perf_counter() - start
            start = time.perf_counter()
            flagged = [c for c in result.calls if c.model.review]
            for call in flagged:
                review.decide_cell(uow, stores, morph, call.id, call.model.code.value)
            each_s = time.perf_counter() - start
            start = time.perf_counter()
            count = review.count_slide(uow, stores, morph, case_id, "S1")
            count_s = time.perf_counter() - start
    cells = len(result.calls)
    lines = [
        f"model {reviewer.model_name} {reviewer.model_version}",
        f"upload + pre-classify {cells} cells: {upload_s:.2f} s ({cells / upload_s:.0f} cells/s)",
        f"confirm {bulk} unflagged cells at once: {bulk_s:.2f} s",
        f"decide {len(flagged)} flagged cells one by one: {each_s:.2f} s"
        f" ({1000 * each_s / max(1, len(flagged)):.1f} ms each)",
        f"count the slide ({count.total} cells in the differential): {count_s:.3f} s",
    ]
    print("\n".join(lines))  # noqa: T201 (a benchmark prints its figures)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
