"""db adapter/layer of marrowscope."""
