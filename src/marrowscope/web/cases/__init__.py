"""The case pages' JSON API: the case list, one case, the whole record."""
