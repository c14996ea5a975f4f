"""Pure domain core: standard library only, no I/O beyond reading its own tables."""
