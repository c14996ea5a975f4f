"""Migration scripts; file names start with their branch label."""
