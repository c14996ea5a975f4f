"""Time the exchange of the demo case on SQLite: FHIR Bundle out (validated), HL7 ORU
out (validated), FHIR CBC in and HL7 CBC in (each filed, audited and committed).

    .venv/bin/python benchmarks/interop.py
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from marrowscope.services import counting, interop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marrowscope.bootstrap import build_account_services, build_uow_factory  # noqa: E402
from marrowscope.db.engine import make_engine  # noqa: E402
from marrowscope.db.migrate import upgrade_database  # noqa: E402
from marrowscope.domain.roles import Actor, Role  # noqa: E402

# noqa: E402
# noqa: E402
from marrowscope.services.walkthrough import seed_demo_case  # noqa: E402

PATHOLOGIST = Actor("bench", Role.PATHOLOGIST)
CLINICIAN = Actor("bench", Role.CLINICIAN)
COUNTS = {"BLA": 40, "PMO": 20, "MYB": 40, "NGS": 150, "EBO": 130, "LYT": 80, "MON": 20,
          "BAS": 5, "PLM": 15}  # fmt: skip
ORU = "\r".join(
    [
        "MSH|^~\\&|LIS|LAB|MARROWSCOPE|HAEM|20260302070000+0000||ORU^R01^ORU_R01|M1|P|2.5.1",
        "PID|1||DEMO-0001^^^HOSP^MR||Demo^Daniel||19590314|M",
        "OBR|1||L1|58410-2^CBC panel^LN|||20260302064500+0000",
        "OBX|1|NM|718-7^Hemoglobin^LN||8.8|g/dL^g/dL^UCUM|||||F",
        "OBX|2|NM|6690-2^WBC^LN||2.7|10*9/L^10*9/L^UCUM|||||F",
        "OBX|3|NM|777-3^Platelets^LN||51|10*9/L^10*9/L^UCUM|||||F",
    ]
)


def _ms(action: Callable[[], object], repeats: int = 20) -> str:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    times.sort()
    return (
        f"median {1000 * statistics.median(times):.1f} ms, "
        f"p95 {1000 * times[int(0.95 * (len(times) - 1))]:.1f} ms (n={repeats})"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade_database(url)
        engine = make_engine(url)
        factory = build_uow_factory(engine)
        seeded = seed_demo_case(factory)
        stores = build_account_services(factory).stores
        with factory() as uow:
            slide = counting.open_slide(uow, stores, Actor("m", Role.MORPHOLOGIST), 1, "A")
            counting.finish_count(uow, stores, Actor("m", Role.MORPHOLOGIST), slide.id, 1, COUNTS)
        case = seeded.case_id

        def fhir_out() -> dict[str, object]:
            with factory() as uow:
                return interop.export_case_fhir(uow, PATHOLOGIST, case, stores=stores)

        def hl7_out() -> str:
            with factory() as uow:
                return interop.export_case_hl7(uow, PATHOLOGIST, case, stores=stores)

        bundle = json.dumps(fhir_out())

        def fhir_in() -> object:
            with factory() as uow:
                return interop.import_fhir_cbc(uow, CLINICIAN, case, bundle)

        def hl7_in() -> object:
            with factory() as uow:
                result = interop.import_hl7_cbc(uow, ORU)
                assert result.accepted, result.error
                return result

        lines = [
            f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs",
            f"FHIR Bundle: {len(bundle)} bytes, {bundle.count('resourceType') - 1} resources",
            f"export fhir (read case + build + validate + audit): {_ms(fhir_out)}",
            f"export hl7  (read case + build + validate + audit): {_ms(hl7_out)}",
            f"import fhir CBC (validate + file + audit):          {_ms(fhir_in)}",
            f"import hl7 CBC + ACK (validate + file + audit):     {_ms(hl7_in)}",
        ]
        print("\n".join(lines))  # noqa: T201 - a benchmark prints its figures
        engine.dispose()


if __name__ == "__main__":
    main()
