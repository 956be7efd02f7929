"""``list``: the spec catalogue by area and element, and what applies to an implementation."""

from __future__ import annotations

import json

from harness.cli.common import EXIT_OK, CommandError, add_impl, check_impl
from harness.model.elements import PROPERTY_AREA_PREFIX, uncovered


def register(commands) -> None:
    listing = commands.add_parser("list", help="print the spec catalogue by area and element")
    add_impl(listing, what="the implementation deciding what is n/a")
    listing.add_argument("-v", "--verbose", action="store_true", help="list every spec id")
    listing.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    listing.set_defaults(handler=command_list)


def command_list(args) -> int:
    from harness.runner.catalogue import by_area, collect

    check_impl(args.impl)
    try:
        specs = collect(args.impl)
    except RuntimeError as exc:
        raise CommandError(f"cannot collect the specs: {exc}") from None
    if args.json:
        print(json.dumps(specs, indent=1))
        return EXIT_OK
    areas = by_area(specs)
    for area, elements in areas.items():
        count = len({s["id"] for spec_list in elements.values() for s in spec_list})
        print(f"{area} ({count} specs)")
        for element, spec_list in elements.items():
            na = sum(1 for s in spec_list if s["na_reason"])
            note = f", {na} n/a for {args.impl}" if na else ""
            print(f"  {element}: {len(spec_list)}{note}")
            if args.verbose:
                for spec in spec_list:
                    suffix = f"  [n/a: {spec['na_reason']}]" if spec["na_reason"] else ""
                    print(f"    {spec['id']}{suffix}")
    total = len(specs)
    applicable = sum(1 for s in specs if not s["na_reason"])
    scenarios = sum(1 for s in specs if not s["area"].startswith(PROPERTY_AREA_PREFIX))
    missing = uncovered(specs)
    print("API elements without a spec: " + (", ".join(missing) or "none"))
    print(f"{total} specs ({scenarios} scenarios, {total - scenarios} properties) in "
          f"{len(areas)} areas; {applicable} apply to {args.impl} here")
    return EXIT_OK
