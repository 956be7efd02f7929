"""Loading the implementation under test (a registered name, a module or a file), with or without a persona."""
