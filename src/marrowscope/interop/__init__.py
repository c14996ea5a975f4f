"""interop adapter/layer of marrowscope."""
