"""The patient and the examination episode (case) that the whole pathway hangs on."""
