"""The clinical pathway before the laboratory: blood count, indication, pre-procedure safety,
procedure, vital signs, preparation and aftercare, and the versioned records that keep them.
"""
