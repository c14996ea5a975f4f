"""The laboratory's quality dashboard (page, CSV, charts, JSON) and the critical-value call
log of a case (form and JSON twin)."""
