"""Flags of the artifact layer -> ArtifactOptions; progress printer output."""

from __future__ import annotations

import argparse

import pytest

from bot.artifacts.cli_args import add_artifact_arguments, options_from_args
from bot.artifacts.sandbox import GIB
from bot.errors import InputError
from bot.progress import Terminal


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_artifact_arguments(p)
    return p.parse_args(list(argv))


def test_defaults_are_the_documented_limits() -> None:
    o = options_from_args(parse("--build"), progress=False)
    assert o.sandbox and o.checker == "both" and o.target == "x86_64" and o.migrate
    assert (o.limits.build_seconds, o.limits.build_memory) == (3600.0, 6 * GIB)
    assert (o.limits.run_seconds, o.limits.run_memory) == (120.0, 2 * GIB)


def test_flags() -> None:
    o = options_from_args(parse("--no-sandbox", "--machines", "pc-q35-7.2,pc-i440fx-7.2",
                                "--checker", "builtin", "--devices", "e1000,romfile=;i6300esb",
                                "--src-binary", "/a", "--dst-binary", "/b", "--run-timeout",
                                "5"), progress=False)
    assert not o.sandbox and o.machines == ("pc-q35-7.2", "pc-i440fx-7.2")
    assert o.devices == ("e1000,romfile=", "i6300esb") and o.limits.run_seconds == 5
    with pytest.raises(InputError):
        options_from_args(parse("--run-timeout", "0"), progress=False)


def test_progress_shows_on_stderr_through_bot_progress() -> None:
    """The artifact layer's events go to the one progress display (tests/unit/progress)."""
    o = options_from_args(parse("--build"), progress=True)
    assert isinstance(o.progress, Terminal)
