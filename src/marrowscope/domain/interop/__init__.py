"""Exchange with hospital systems as plain values: the message log's entries."""
