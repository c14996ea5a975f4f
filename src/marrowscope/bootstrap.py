"""Composition root: builds the adapters from Settings and hands them to services.

The web app and the CLI ask this module for ready services; nothing below it reads
the environment.
"""

from __future__ import annotations

from marrowscope.config import Settings, get_settings

__all__ = ["Settings", "get_settings"]
