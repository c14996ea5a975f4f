"""Integrated diagnosis as decision support: karyotypes, classification candidates, risk scores."""
