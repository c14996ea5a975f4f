"""Training the cell detector (PyTorch, the ``train`` extra): data, network, loss, loop, export."""
