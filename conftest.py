"""Root conftest: the sockspec harness and the shared fixtures are plugins of every run."""

pytest_plugins = ["harness.plugin", "fixtures.plugin", "fixtures.netns", "fixtures.properties"]
