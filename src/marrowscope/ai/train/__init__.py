"""Training of the cell classifier (PyTorch, an optional extra: ``pip install '.[train]'``).

Nothing outside this package imports torch; inference runs the exported ONNX file.
"""
