"""Mailing-list reviews: ingest series from the list, review, reply in the thread."""
