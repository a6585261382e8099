"""Errors meant for people: each names the input, what was expected and the next step.

The CLI maps every BotError to exit code 2 and prints `str(error)`; the service logs and
reports it. Nothing else should escape to the user as a traceback.
"""

from __future__ import annotations


class BotError(Exception):
    """Base class: a failure caused by input or environment, explained for a person."""

    exit_code = 2

    def __init__(self, what: str, *, input_name: str | None = None, hint: str | None = None):
        self.what = what
        self.input_name = input_name
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """One or two lines: `<input>: <what>` and `hint: <next step>`."""
        head = f"{self.input_name}: {self.what}" if self.input_name else self.what
        return f"{head}\nhint: {self.hint}" if self.hint else head


class InputError(BotError):
    """Bad user input: unknown revision, unreadable file, broken mbox, bad config."""


class ApplyError(BotError):
    """A patch of a series does not apply onto its base."""


class BuildError(BotError):
    """Building QEMU (base or head) failed."""


class ArtifactError(BotError):
    """Running a built QEMU (dump, migration) failed for reasons other than a finding."""


class ReporterError(BotError):
    """Delivering findings (GitLab, SMTP, file) failed."""


class ConfigError(BotError):
    """The configuration file is invalid; names the bad key."""
