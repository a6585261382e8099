"""One module per `migcheck` subcommand: `register(subparsers)` and `run(args) -> int`."""
