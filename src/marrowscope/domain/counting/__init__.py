"""The differential count: cell taxonomy, counts, percentages with intervals, named quantities,
reference ranges, threshold flags and how many more cells would settle them, the M:E ratio,
the live counter and count files.
"""
