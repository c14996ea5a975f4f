"""Every parser, fed bad input: it returns, or raises a ``MarrowscopeError`` that says why.

Any other exception (``KeyError``, ``TypeError``, ``csv.Error``, ``RecursionError``...) is
a finding: the web app would answer 500 and the CLI print a traceback.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowscope.ai.detection.field_image import open_field
from marrowscope.ai.preprocess import decode_image
from marrowscope.domain.counting.count_file import parse_counts_csv
from marrowscope.domain.errors import MarrowscopeError
from marrowscope.interop import fhir
from marrowscope.interop.fhir_order import read_service_request
from marrowscope.interop.hl7v2 import decode, read_cbc_oru, read_order
from marrowscope.interop.hl7v2.er7_reader import read_er7
from tests.fuzz.inputs import FUZZ, images, json_documents, mutated_text, texts
from tests.integration.hl7_messages import HB, PLT, oru
from tests.integration.hl7_orders import epic

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow on damaged TIFF tags

COUNTS = "code,count\n# slide 1\nneutrophil,120\nlymphocyte,40\nblast,3\n"
ORU = oru(1, [HB, PLT])
ORDER = epic()
WHEN = "2026-03-01T07:45:00+00:00"
FHIR_CBC: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "subject": {"identifier": {"value": "DEMO-0001"}},
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "effectiveDateTime": WHEN,
                "valueQuantity": {"value": value, "unit": unit, "code": unit,
                                  "system": "http://unitsofmeasure.org"},
            }
        }
        for code, value, unit in [("718-7", 9.2, "g/dL"), ("777-3", 64, "10*9/L")]
    ],
}  # fmt: skip
SERVICE_REQUEST: dict[str, Any] = {
    "resourceType": "ServiceRequest",
    "status": "active",
    "intent": "order",
    "identifier": [{"system": "urn:placer", "value": "SR-1"}],
    "code": {"coding": [{"system": "http://marrowscope.org/fhir/CodeSystem/procedure",
                         "code": "BMEXAM"}]},
    "subject": {"identifier": {"system": "http://marrowscope.org/fhir/NamingSystem/mrn",
                               "value": "H400001"}},
    "authoredOn": WHEN,
    "reasonCode": [{"text": "pancytopenia"}],
}  # fmt: skip


def _refuses_cleanly(parse: Any, value: Any) -> None:
    try:
        parse(value)
    except MarrowscopeError as error:
        assert str(error).strip(), "a refusal must say why"


@FUZZ
@given(st.one_of(texts, mutated_text(COUNTS)))
def test_the_count_file_reader_refuses_in_words(text: str) -> None:
    _refuses_cleanly(parse_counts_csv, text)


@FUZZ
@given(st.one_of(texts, mutated_text(ORU), mutated_text(ORDER)))
def test_the_er7_reader_refuses_in_words(text: str) -> None:
    _refuses_cleanly(read_er7, text)


@FUZZ
@given(st.one_of(texts, mutated_text(ORU)).flatmap(lambda t: st.sampled_from([t, t.encode()])))
def test_the_cbc_message_reader_refuses_in_words(message: str | bytes) -> None:
    _refuses_cleanly(lambda m: read_cbc_oru(decode(m)), message)


@FUZZ
@given(st.one_of(texts, mutated_text(ORDER), st.binary(max_size=300)))
def test_the_order_message_reader_refuses_in_words(message: str | bytes) -> None:
    _refuses_cleanly(read_order, message)


@FUZZ
@given(st.one_of(json_documents(FHIR_CBC), json_documents(FHIR_CBC["entry"][0]["resource"])))
def test_the_fhir_cbc_reader_refuses_in_words(document: Any) -> None:
    _refuses_cleanly(lambda d: (fhir.cbc_from_fhir(d), fhir.patient_mrn(d)), document)


@FUZZ
@given(json_documents(SERVICE_REQUEST))
def test_the_fhir_order_reader_refuses_in_words(document: Any) -> None:
    _refuses_cleanly(read_service_request, document)


@FUZZ
@given(images())
def test_a_field_image_is_opened_or_refused_in_words(data: bytes) -> None:
    _refuses_cleanly(open_field, data)


@FUZZ
@given(images(), st.sampled_from([1.0, 0.6]))
def test_a_cell_image_is_decoded_or_refused_in_words(data: bytes, crop: float) -> None:
    _refuses_cleanly(lambda d: decode_image(d, 64, crop), data)
