"""services adapter/layer of marrowscope."""
