"""Counting a differential: slide counts saved state by state, the counter keymaps of each
morphologist and the de-identified log of saved counts.
"""

from marrowscope.services.counting.count_log import (
    EXPORT_ROLES,
    CountLogRow,
    SavedCountSource,
    age_band,
    case_pseudonym,
    count_log,
    count_log_columns,
    count_log_csv,
    row_as_dict,
)
from marrowscope.services.counting.draft_saves import (
    CsrfRefused,
    DraftSaves,
    SessionLookup,
    SignedOut,
)
from marrowscope.services.counting.keymaps import (
    DEFAULT_NAME,
    delete_keymap,
    keymaps_of,
    save_keymap,
)
from marrowscope.services.counting.slide_counts import (
    COUNTING_ROLES,
    READING_ROLES,
    CountSummary,
    counts_for_case,
    edit_saved_count,
    finish_count,
    get_count,
    merged_counts,
    open_slide,
    summarise,
    sync_count,
)

__all__ = [
    "READING_ROLES",
    "COUNTING_ROLES",
    "CountLogRow",
    "CountSummary",
    "DEFAULT_NAME",
    "CsrfRefused",
    "DraftSaves",
    "SessionLookup",
    "SignedOut",
    "EXPORT_ROLES",
    "SavedCountSource",
    "age_band",
    "case_pseudonym",
    "count_log",
    "count_log_columns",
    "count_log_csv",
    "counts_for_case",
    "delete_keymap",
    "edit_saved_count",
    "finish_count",
    "get_count",
    "keymaps_of",
    "merged_counts",
    "open_slide",
    "row_as_dict",
    "save_keymap",
    "summarise",
    "sync_count",
]
