"""The WHO 2022 / ICC 2022 name suggestions: each scheme's own spelling, with a source."""

from __future__ import annotations

import pytest

from marrowscope.domain.reporting.classification_names import SCHEMES, source_of, suggested_names


def test_each_scheme_uses_its_own_names_for_the_same_disease() -> None:
    who, icc = suggested_names("who_2022"), suggested_names("icc_2022")

    assert any("MDS-IB2" in n for n in who) and not any("MDS-IB2" in n for n in icc)
    assert any("MDS-EB" in n for n in icc) and not any("MDS-EB" in n for n in who)
    assert "MDS/AML" in icc and "MDS/AML" not in who


@pytest.mark.parametrize("scheme", SCHEMES)
def test_names_are_unique_and_cited(scheme: str) -> None:
    names = suggested_names(scheme)

    assert len(names) == len(set(names)) >= 20
    assert "doi:10." in source_of(scheme) and "2022" in source_of(scheme)


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(KeyError, match="FAB"):
        suggested_names("FAB")
