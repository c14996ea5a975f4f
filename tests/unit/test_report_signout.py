"""Sign-out warnings (ICSH 2008: 500 cells), result tables and amendment changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marrowscope.domain.lab import TestType, result_table
from marrowscope.domain.reporting import (
    ReportKind,
    UnconfirmedWarnings,
    amend,
    changed_fields,
    new_draft,
    require_confirmation,
    sign,
    signout_warnings,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("cells", "warned"), [(499, True), (500, False), (501, False)])
def test_a_count_below_500_cells_is_warned_at_the_icsh_minimum(cells: int, warned: bool) -> None:
    codes = [w.code for w in signout_warnings(cells, [], 0)]

    assert ("small_count" in codes) is warned


def test_pending_tests_and_undecided_ai_cells_each_warn_and_need_confirmation() -> None:
    warnings = signout_warnings(600, ["FISH (awaiting verification)"], 3)

    assert [w.code for w in warnings] == ["tests_pending", "ai_undecided"]
    assert "FISH (awaiting verification)" in warnings[0].message
    with pytest.raises(UnconfirmedWarnings):
        require_confirmation(warnings, confirmed=False)
    require_confirmation(warnings, confirmed=True)
    require_confirmation((), confirmed=False)


def test_the_signer_is_printed_by_name_and_role_not_username() -> None:
    draft = new_draft(1, {"conclusion": "consistent with MDS"}, {}, by="pia", at=AT)

    signed = sign(draft, by="pia", at=AT, name="Dr Pia Pathologist", role="pathologist")

    assert signed.signer == "Dr Pia Pathologist, pathologist"
    assert "pia" not in signed.signer


def test_an_amendment_names_the_fields_it_changed() -> None:
    draft = new_draft(1, {"conclusion": "a", "comment": "x"}, {}, by="p", at=AT)
    signed = sign(draft, by="p", at=AT)

    amended = amend(signed, ReportKind.AMENDMENT, {"conclusion": "b"}, reason="r", by="p", at=AT)

    assert changed_fields(signed, amended) == ("Conclusion",)


def test_fish_rows_derive_percent_and_call_from_the_cut_off() -> None:
    probe = {"probe": "EGR1", "nuclei_scored": 200, "abnormal_nuclei": 10, "cutoff_percent": 5}

    at_cutoff = result_table(TestType.FISH, {"probes": [probe]})
    above = result_table(TestType.FISH, {"probes": [{**probe, "abnormal_nuclei": 11}]})

    assert at_cutoff.rows[0][3:] == ("5", "5", "normal")
    assert above.rows[0][3:] == ("5.5", "5", "abnormal (above cut-off)")


def test_a_panel_without_variants_says_none_was_detected() -> None:
    table = result_table(TestType.MOLECULAR_PANEL, {"panel": "Myeloid", "variants": []})

    assert table.rows == ()
    assert "No variant detected in the genes covered." in table.notes
