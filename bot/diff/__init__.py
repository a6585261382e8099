"""Pure diff: old FileModel + new FileModel -> EntityChange list."""
