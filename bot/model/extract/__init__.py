"""Extraction of typed entities from one C file: `extract_file` (see `driver`)."""

from bot.model.extract.driver import extract_file

__all__ = ["extract_file"]
