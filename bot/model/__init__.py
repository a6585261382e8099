"""Pure source model: tree-sitter parse of one C file -> typed entities (no I/O)."""
