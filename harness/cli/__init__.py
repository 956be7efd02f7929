"""The command line: one module per command, sharing options, exit codes and one error type (cli.common)."""
