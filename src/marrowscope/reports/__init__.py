"""reports adapter/layer of marrowscope."""
