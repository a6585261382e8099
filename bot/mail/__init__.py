"""Mailing-list reviews (issue 5): ingest series from the list, review, reply in the thread."""
