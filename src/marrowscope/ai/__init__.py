"""ai adapter/layer of marrowscope."""
