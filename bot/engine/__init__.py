"""Pure engine: rule registry, runner (isolates rule crashes), filters, series fold."""
