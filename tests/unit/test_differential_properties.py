"""Properties of the differential maths, checked on generated counts (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from marrowscope.domain.counting.confidence import IntervalMethod, proportion_interval
from marrowscope.domain.counting.counts import CellCounts, merge_counts, nucleated_classes
from marrowscope.domain.counting.differential import compute_differential
from marrowscope.domain.counting.me_ratio import MEDefinition
from marrowscope.domain.counting.taxonomy import CellClass

_NUCLEATED = sorted(nucleated_classes())

counts_strategy = st.dictionaries(
    st.sampled_from(list(CellClass)), st.integers(min_value=0, max_value=2000), max_size=12
).map(lambda d: CellCounts(tuple(d.items())))

nucleated_counts = st.tuples(
    counts_strategy, st.sampled_from(_NUCLEATED), st.integers(min_value=1, max_value=500)
).map(lambda t: t[0] + CellCounts(((t[1], t[2]),)))

methods = st.sampled_from(list(IntervalMethod))


@given(nucleated_counts)
def test_percentages_of_the_differential_sum_to_100(counts: CellCounts) -> None:
    diff = compute_differential(counts)

    assert math.isclose(sum(row.percent for row in diff.rows), 100.0, abs_tol=1e-9)
    assert sum(row.exact_percent for row in diff.rows) == 100


@given(nucleated_counts, methods)
def test_every_interval_contains_its_estimate_and_stays_within_0_and_100(
    counts: CellCounts, method: IntervalMethod
) -> None:
    diff = compute_differential(counts, method=method)

    for row in diff.rows:
        assert 0.0 <= row.interval_percent.low <= row.percent <= row.interval_percent.high <= 100


@given(
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=1, max_value=200),
    st.integers(min_value=2, max_value=10),
    methods,
)
def test_the_interval_shrinks_as_more_cells_are_counted_at_the_same_share(
    successes: int, extra: int, factor: int, method: IntervalMethod
) -> None:
    trials = successes + extra
    small = proportion_interval(successes, trials, method=method)
    large = proportion_interval(successes * factor, trials * factor, method=method)

    assert large.high - large.low < small.high - small.low


@given(counts_strategy, counts_strategy, counts_strategy)
def test_merging_slides_is_associative_and_commutative(
    a: CellCounts, b: CellCounts, c: CellCounts
) -> None:
    assert merge_counts(merge_counts(a, b), c) == merge_counts(a, merge_counts(b, c))
    assert merge_counts(a, b) == merge_counts(b, a)
    assert merge_counts(a, CellCounts()) == a


@given(nucleated_counts, st.integers(min_value=2, max_value=5), st.booleans(), st.booleans())
def test_the_me_ratio_is_unchanged_when_every_count_is_multiplied(
    counts: CellCounts, factor: int, blasts: bool, monocytes: bool
) -> None:
    definition = MEDefinition(include_blasts=blasts, include_monocytes=monocytes)
    scaled = CellCounts(tuple((code, n * factor) for code, n in counts))

    once = compute_differential(counts, me_definition=definition).me.ratio
    twice = compute_differential(scaled, me_definition=definition).me.ratio

    assert (once is None and twice is None) or (
        once is not None and twice is not None and math.isclose(once, twice)
    )


@settings(max_examples=50)
@given(nucleated_counts)
def test_percentages_are_unchanged_when_every_count_is_multiplied(counts: CellCounts) -> None:
    scaled = CellCounts(tuple((code, n * 3) for code, n in counts))

    before = compute_differential(counts)
    after = compute_differential(scaled)

    assert [r.exact_percent for r in before.rows] == [r.exact_percent for r in after.rows]
