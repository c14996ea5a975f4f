"""One way to open an ONNX model on the CPU, for every model the app runs.

Threads are set per model (the classifier leaves cores for JPEG decoding); one
inter-op thread, because these networks are a single chain of layers; and, where the
caller asks, no spin-waiting, which burns a shared laboratory PC's cores on busy loops
between batches.
"""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

__all__ = ["cpu_session"]


def cpu_session(model_file: Path, threads: int, spin: bool = False) -> ort.InferenceSession:
    """An ONNX Runtime session on the CPU with ``threads`` intra-op threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
