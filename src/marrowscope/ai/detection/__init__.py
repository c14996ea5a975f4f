"""Finding cells in smear fields: white cells, red cells and platelets, with boxes.

Inference only (ONNX Runtime, numpy, Pillow): the network that finds the cells is
trained in ``ai/train/detection`` and shipped under ``ai/models`` like the classifier.
"""
