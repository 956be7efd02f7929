"""``probe``: the host's capabilities and an implementation's API surface against stdlib."""

from __future__ import annotations

import json

from harness.cli.common import EXIT_OK, add_impl, check_impl
from harness.model.capabilities import probe_all
from harness.model.surface import compare


def register(commands) -> None:
    probe = commands.add_parser("probe", help="print host capabilities and the API surface")
    add_impl(probe, what="the implementation to compare with stdlib")
    probe.add_argument("--json", action="store_true", help="print as JSON")
    probe.set_defaults(handler=command_probe)


def command_probe(args) -> int:
    impl = check_impl(args.impl)
    report = {
        "capabilities": probe_all(),
        "implementation": impl.info(),
        "surface": compare(impl.module),
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return EXIT_OK
    print("host capabilities:")
    for name, present in sorted(report["capabilities"].items()):
        print(f"  {name:20} {'yes' if present else 'no'}")
    info = report["implementation"]
    print(f"implementation: {info['name']} {info['version']} ({info['source']}), "
          f"CPython semantics {info['semantics']}")
    surface = report["surface"]
    print("API surface against this Python's stdlib socket module:")
    print("  missing names: " + (", ".join(surface["missing"]) or "none"))
    print("  extra names:   " + (", ".join(surface["extra"]) or "none"))
    print("  __all__ missing: " + (", ".join(surface["all_missing"]) or "none"))
    print("  __all__ extra:   " + (", ".join(surface["all_extra"]) or "none"))
    print("  module functions missing: " + (", ".join(surface["functions_missing"]) or "none"))
    print("  module functions extra:   " + (", ".join(surface["functions_extra"]) or "none"))
    print("  socket type members missing: " + (", ".join(surface["socket_missing"]) or "none"))
    print("  socket type members hidden from instances: "
          + (", ".join(surface["socket_hidden"]) or "none"))
    print("  socket type members extra:   " + (", ".join(surface["socket_extra"]) or "none"))
    if surface["signatures"]:
        print("  signature differences:")
        for diff in surface["signatures"]:
            print(f"    {diff['name']}: stdlib {diff['expected']}, implementation {diff['actual']}")
    else:
        print("  signature differences: none")
    return EXIT_OK
