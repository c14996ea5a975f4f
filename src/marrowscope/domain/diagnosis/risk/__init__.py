"""Risk scores of myeloid and plasma cell neoplasms, each explaining itself as criteria."""
