"""Cutting a large image into overlapping tiles, and counting a cell on a border once.

Each tile owns a core: the tile less half the overlap on every side that touches
another tile. A cell belongs to the tile whose core holds its centre, so a cell cut
by one tile's edge, seen whole in the neighbour, is counted by exactly one of them;
the overlap must therefore exceed the largest cell's diameter.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tile", "tiles"]


@dataclass(frozen=True, slots=True)
class Tile:
    """A window ``[x0, x1) x [y0, y1)`` and the core in which it owns centres."""

    x0: int
    y0: int
    x1: int
    y1: int
    core: tuple[float, float, float, float]

    def owns(self, cx: float, cy: float) -> bool:
        left, top, right, bottom = self.core
        return left <= cx < right and top <= cy < bottom


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


def _cores(starts: list[int], tile: int, length: int) -> list[tuple[float, float]]:
    cores = []
    for i, s in enumerate(starts):
        lo = 0.0 if i == 0 else (s + starts[i - 1] + tile) / 2
        hi = float(length) if i == len(starts) - 1 else (starts[i + 1] + s + tile) / 2
        cores.append((lo, hi))
    return cores


def tiles(width: int, height: int, tile: int, overlap: int) -> list[Tile]:
    """Tiles covering the image; one tile (the whole image) when it fits."""
    if overlap >= tile:
        raise ValueError("overlap must be smaller than the tile")
    xs, ys = _starts(width, tile, overlap), _starts(height, tile, overlap)
    x_cores, y_cores = _cores(xs, tile, width), _cores(ys, tile, height)
    return [
        Tile(x, y, min(x + tile, width), min(y + tile, height), (xl, yl, xh, yh))
        for y, (yl, yh) in zip(ys, y_cores, strict=True)
        for x, (xl, xh) in zip(xs, x_cores, strict=True)
    ]
