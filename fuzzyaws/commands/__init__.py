"""One module per subcommand, each with `run(app, opts) -> ExitStatus`."""
