"""Root conftest: the sockspec harness and the shared fixtures are plugins of every run."""

from harness.model.paths import PLUGINS

pytest_plugins = PLUGINS
