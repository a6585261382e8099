"""Artifact layer: builds, -dump-vmstate, the dump comparator, real migrations (I/O lives here)."""
