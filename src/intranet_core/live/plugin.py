"""The live feature as a built-in plugin."""

from __future__ import annotations
