"""Helpers for the model tests: read a snippet from data/ and extract it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model.entities import FileModel
from bot.model.extract import extract_file

DATA = Path(__file__).parent / "data"


@pytest.fixture
def model_of():
    """Extract data/<name> (or given bytes) as the file `hw/test/<name>`."""

    def _model(name: str, data: bytes | None = None, defines=None) -> FileModel:
        raw = data if data is not None else (DATA / name).read_bytes()
        return extract_file(f"hw/test/{name}", raw, defines)

    return _model
