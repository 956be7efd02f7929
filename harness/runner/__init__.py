"""The pytest side: the plugin (hook wiring only) and what it wires: guards, containment, time limits, verdicts and recording."""
