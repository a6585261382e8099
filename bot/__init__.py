"""migcheck: catch QEMU patch series that break live migration before they are merged."""

__version__ = "0.1.0"
