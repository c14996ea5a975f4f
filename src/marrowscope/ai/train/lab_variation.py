"""What differs between laboratories, simulated on training batches.

A classifier trained on one laboratory's smears meets, elsewhere, other stains (May-
Grünwald-Giemsa, Wright, rapid stains, of other strength and age), other optics (focus,
magnification, how tightly a cell is framed) and other files (JPEG quality). Each is
drawn here per image, so the network cannot rely on the one lab's hue, sharpness or
cell size:

- **stain**: the image is unmixed into haematoxylin, eosin and residual optical
  densities (colour deconvolution, Ruifrok & Johnston 2001), each density is scaled and
  shifted, and the image is mixed back (HED jitter, Tellez et al. 2019). Romanowsky
  stains are not H&E, but their azure (blue-purple) and eosin (pink) dyes sit close to
  the two vectors, which is what the jitter needs: the dyes' amounts vary independently.
- **blur**: a Gaussian of random width, a slightly defocused or lower-resolution optic.
- **zoom**: the cell framed tighter or looser, another magnification; drawn from a wider
  cached frame so a loose crop shows real neighbouring pixels, not reflections.
- **JPEG**: the image re-encoded at a random quality, as scanners and uploads do.

The identity draw (all amounts zero) returns the input unchanged, so the shipped
framing is the centre of what the network sees.

References
----------
Ruifrok AC, Johnston DA. Quantification of histochemical staining by color
deconvolution. Anal Quant Cytol Histol 23 (2001) 291-299.
Tellez D et al. Quantifying the effects of data augmentation and stain color
normalization in convolutional neural networks for computational pathology. Med Image
Anal 58 (2019) 101544, doi:10.1016/j.media.2019.101544.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

__all__ = [
    "RGB_FROM_HED",
    "LabVariation",
    "blur",
    "draw",
    "draw_quality",
    "jpeg",
    "reframe",
    "stain_jitter",
]

# rows: the optical density of haematoxylin, eosin and DAB in R, G, B (Ruifrok 2001, as
# scikit-image's rgb_from_hed)
RGB_FROM_HED = torch.tensor([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]])
_HED_FROM_RGB = torch.linalg.inv(RGB_FROM_HED)
_DARKEST = 1.0 / 255.0  # optical density of a saturated pixel stays finite


@dataclass(frozen=True, slots=True)
class LabVariation:
    """How much of each laboratory difference to draw; zero switches one off."""

    stain: float = 0.0  # each stain's density scaled by 1 +- stain, shifted by +- stain / 4
    blur_sigma: float = 0.0  # widest Gaussian, in pixels of the network's input
    zoom: float = 0.0  # framing scaled by a factor in [1 / (1 + zoom), 1 + zoom]
    jpeg_quality: int = 0  # lowest JPEG quality drawn (up to 95); 0: never re-encoded
    probability: float = 0.5  # chance that blur and JPEG are applied to an image

    @property
    def active(self) -> bool:
        """Whether any of the differences is drawn at all."""
        return bool(self.stain or self.blur_sigma or self.zoom or self.jpeg_quality)


def stain_jitter(x: torch.Tensor, amount: float, generator: torch.Generator) -> torch.Tensor:
    """(B, 3, H, W) in 0..1 with each image's stain densities scaled and shifted."""
    b = x.shape[0]
    density = -torch.log(x.clamp(min=_DARKEST))
    stains = torch.einsum("bchw,cs->bshw", density, _HED_FROM_RGB)
    scale = 1 + (torch.rand(b, 3, 1, 1, generator=generator) * 2 - 1) * amount
    shift = (torch.rand(b, 3, 1, 1, generator=generator) * 2 - 1) * (amount / 4)
    mixed = torch.einsum("bshw,sc->bchw", stains * scale + shift, RGB_FROM_HED)
    return torch.exp(-mixed).clamp(0.0, 1.0)


def blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Each image smoothed by a Gaussian of its own ``sigma`` (pixels; 0 leaves it as is)."""
    b, c, h, w = x.shape
    radius = max(1, math.ceil(3 * float(sigma.max())))
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype)
    safe = sigma.clamp(min=1e-3).view(b, 1)
    kernel = torch.exp(-(offsets.view(1, -1) ** 2) / (2 * safe**2))
    kernel = kernel / kernel.sum(dim=1, keepdim=True)
    kernel = kernel.repeat_interleave(c, dim=0)  # (B*C, K): one kernel per image and channel
    flat = torch.nn.functional.pad(
        x.reshape(1, b * c, h, w), (radius, radius, radius, radius), mode="reflect"
    )
    flat = torch.nn.functional.conv2d(flat, kernel.view(b * c, 1, 1, -1), groups=b * c)
    flat = torch.nn.functional.conv2d(flat, kernel.view(b * c, 1, -1, 1), groups=b * c)
    out = flat.view(b, c, h, w)
    return torch.where((sigma > 0).view(b, 1, 1, 1), out, x)


def jpeg(x: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """Each image encoded and decoded as JPEG at its own quality (0 leaves it as is)."""
    out = x.clone()
    pixels = (x.permute(0, 2, 3, 1) * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()
    for i, q in enumerate(quality.tolist()):
        if q <= 0:
            continue
        buffer = io.BytesIO()
        Image.fromarray(pixels[i]).save(buffer, format="JPEG", quality=int(q))
        with Image.open(buffer) as decoded:
            again = np.asarray(decoded.convert("RGB"), dtype=np.float32) / 255.0
        out[i] = torch.from_numpy(again).permute(2, 0, 1)
    return out


def reframe(x: torch.Tensor, size: int, share: float, zoom: torch.Tensor) -> torch.Tensor:
    """Central ``share`` of each side of ``x``, magnified by ``zoom``, at ``size`` pixels.

    ``share`` is the network's own framing as a part of the cached (wider) frame; a zoom
    above 1 frames the cell tighter (higher magnification), below 1 looser.
    """
    b = x.shape[0]
    half = share / zoom
    zero = torch.zeros_like(half)
    theta = torch.stack([torch.stack([half, zero, zero], 1), torch.stack([zero, half, zero], 1)], 1)
    grid = torch.nn.functional.affine_grid(theta, [b, x.shape[1], size, size], align_corners=False)
    return torch.nn.functional.grid_sample(
        x, grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )


def draw(
    x: torch.Tensor, variation: LabVariation, size: int, share: float, generator: torch.Generator
) -> torch.Tensor:
    """Framing, stain and focus of another laboratory drawn for each image of ``x``."""
    b = x.shape[0]
    if variation.zoom > 0 or x.shape[-1] != size:
        spread = math.log1p(variation.zoom)
        zoom = torch.exp((torch.rand(b, generator=generator) * 2 - 1) * spread)
        x = reframe(x, size, share, zoom)
    if variation.stain > 0:
        x = stain_jitter(x, variation.stain, generator)
    if variation.blur_sigma > 0:
        chosen = torch.rand(b, generator=generator) < variation.probability
        sigma = torch.rand(b, generator=generator) * variation.blur_sigma * chosen
        x = blur(x, sigma)
    return x


def draw_quality(variation: LabVariation, b: int, generator: torch.Generator) -> torch.Tensor:
    """Per image: the JPEG quality to re-encode at, 0 for none."""
    if variation.jpeg_quality <= 0:
        return torch.zeros(b, dtype=torch.int64)
    chosen = torch.rand(b, generator=generator) < variation.probability
    quality = torch.randint(variation.jpeg_quality, 96, (b,), generator=generator)
    return quality * chosen
