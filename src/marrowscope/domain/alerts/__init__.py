"""Care-team alerts raised by worrying check-ins, as plain values and their state machine."""
