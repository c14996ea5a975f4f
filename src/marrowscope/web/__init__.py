"""web adapter/layer of marrowscope."""
