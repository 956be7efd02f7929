"""``publish-site`` and ``fetch-site``: the nightly report's published data (harness.report.site).

    python -m harness publish-site SITE --results R... --summary S [--history DIR]
                                   [--mutation M...]
    python -m harness fetch-site URL -o DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.cli.common import EXIT_OK, CommandError, add_output
from harness.documents.runinfo import now
from harness.report import power, site
from harness.report.merge import expand


def command_publish(args) -> int:
    files, problems = expand(args.results)
    for problem in problems:
        print(problem.line(), file=sys.stderr)
    history = sorted(Path(args.history).glob("*.summary.json")) if args.history else []
    if not Path(args.summary).is_file():
        raise CommandError(f"{args.summary}: no such summary file")
    mutation_files = []
    if args.mutation:
        found, _ = power.expand(args.mutation)
        chosen, skipped = site.recent_mutation(found)
        for line in skipped:
            print(f"mutation left out: {line}", file=sys.stderr)
        mutation_files = list(chosen.values())
    written = site.publish(Path(args.site), files, Path(args.summary), history,
                           args.night or now()[:10], mutation_files)
    print(f"published {len(written['results'])} results files, "
          f"{len(written['history'])} summaries and {len(written['mutation'])} mutation "
          f"documents under {Path(args.site) / 'data'}")
    return EXIT_OK


def command_fetch(args) -> int:
    try:
        results, history, found = site.fetch(args.url, Path(args.output))
    except site.SiteError as exc:
        raise CommandError(str(exc)) from None
    if not found:
        print(f"{args.url}: nothing published yet; no baseline or history this time")
    else:
        mutation = results.parent / "mutation"
        print(f"baseline: {results} ({len(list(results.glob('*.json')))} files); "
              f"history: {history} ({len(list(history.glob('*.json')))} summaries); "
              f"mutation: {mutation} ({len(list(mutation.glob('*.json')))} documents)")
    return EXIT_OK


def register(commands) -> None:
    publish = commands.add_parser(
        "publish-site", help="add a night's results and score history to a report site")
    publish.add_argument("site", metavar="SITE", help="the folder the report was written in")
    publish.add_argument("--results", nargs="+", type=Path, required=True, metavar="RESULTS",
                         help="this night's results files, or folders of them")
    publish.add_argument("--summary", required=True, metavar="SUMMARY",
                         help="this night's summary (written by report beside its page)")
    publish.add_argument("--history", default=None, metavar="DIR",
                         help="the earlier nights' summaries (fetch-site's history folder)")
    publish.add_argument("--mutation", nargs="+", type=Path, default=None, metavar="MUTATION",
                         help="mutation documents, or folders of them: this night's and the "
                              "earlier nights' (fetch-site's mutation folder); those of the "
                              f"last {site.MUTATION_NIGHTS} days are kept")
    publish.add_argument("--night", default=None, metavar="DATE",
                         help="the night's name in the history (default: today, UTC)")
    publish.set_defaults(handler=command_publish)

    fetch = commands.add_parser(
        "fetch-site", help="download a published site's results, history and mutation "
                           "documents (the baseline)")
    fetch.add_argument("url", metavar="URL", help="the published site's address")
    add_output(fetch, None, metavar="DIR", required=True,
               help="folder to fill: DIR/results, DIR/history and DIR/mutation")
    fetch.set_defaults(handler=command_fetch)
