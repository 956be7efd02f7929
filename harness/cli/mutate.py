"""``python -m harness mutate``: mutation testing of an implementation against the specs.

Generates the mutants of the implementation's source (:mod:`harness.mutation.generate`),
maps which spec runs which line (:mod:`harness.mutation.coverage_map`), runs each mutant's
covering specs in child processes (:mod:`harness.mutation.engine`) and writes the mutation
document (:mod:`harness.documents.mutation`), by default reports/mutation/IMPL.json (./sockspec-results/mutation/ when installed).
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import List, Optional

from harness.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    CommandError,
    add_impl,
    add_output,
    positive,
)
from harness.model import paths
from harness.model.personas import PERSONAS


def register(commands) -> None:
    parser = commands.add_parser(
        "mutate", help="spec power: mutants of an implementation's source, the specs run "
                       "against each, the score per area (docs/mutation.md)")
    add_arguments(parser)
    parser.set_defaults(handler=command_mutate)


def _areas(text: str) -> List[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def _personas(text: str) -> List[str]:
    names = _areas(text)
    if names == ["all"]:
        return sorted(PERSONAS)
    if names == ["none"]:
        return []
    unknown = [n for n in names if n not in PERSONAS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown persona {unknown[0]!r} (known: {', '.join(sorted(PERSONAS))}, all, none)")
    return names


def add_arguments(parser) -> None:
    add_impl(parser, default="reference", what="implementation whose source is mutated",
             modules=False)
    parser.add_argument("--area", "--areas", dest="areas", action="append", default=[],
                        type=_areas, metavar="AREA[,AREA]",
                        help="run only these areas' specs (specs/test_AREA.py); repeatable")
    parser.add_argument("--personas", default="all", type=_personas, metavar="NAME[,NAME]",
                        help="besides the host as it is, run the specs under these personas, so "
                             "that a mutant in a platform branch is reached and killed there: "
                             f"{', '.join(sorted(PERSONAS))}; 'all' (the default) or 'none'")
    parser.add_argument("-k", dest="keyword", default=None, metavar="EXPR",
                        help="run only the specs pytest's -k EXPR selects")
    parser.add_argument("--specs", default=None, metavar="DIR",
                        help="the folder of spec files (default: the suite's specs/)")
    parser.add_argument("--element", action="append", default=[], metavar="PATTERN",
                        help="mutate only inside these functions or classes (qualified name, "
                             "shell pattern: 'socket.__repr__', 'SocketIO.*'); repeatable")
    parser.add_argument("--operator", action="append", default=[], metavar="PATTERN",
                        help="use only these operators (name or shell pattern, such as "
                             "'core/NumberReplacer' or 'ReplaceComparison*'); repeatable")
    parser.add_argument("--list-operators", action="store_true",
                        help="print the operator names and exit")
    parser.add_argument("--mutant", action="append", default=[], metavar="ID",
                        help="run only these mutants (ids from an earlier document)")
    parser.add_argument("--shard", default=None, metavar="K/N",
                        help="run only shard K of N (split by mutant id)")
    parser.add_argument("--merge", action="append", default=[], metavar="JSON",
                        help="instead of running, merge these shard documents into --output "
                             "(equivalents applied anew); repeatable")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the mutants (counts by operator) without running anything")
    parser.add_argument("-n", "--workers", type=positive, default=os.cpu_count() or 1,
                        help="mutants run at once (default: the number of CPUs)")
    add_output(parser, None, metavar="JSON",
               help="the mutation document (default: reports/mutation/IMPL.json, installed "
                    "./sockspec-results/mutation/IMPL.json; "
                    "IMPL-shard-K-of-N.json for a shard)")
    parser.add_argument("--equivalents", default=None, metavar="TOML",
                        help="equivalent mutants (default: the implementation folder's "
                             "equivalent-mutants.toml)")
    parser.add_argument("--workdir", default=None,
                        help="folder for the mutants and logs (default: a temporary one, "
                             "removed afterwards)")
    parser.add_argument("--runs", choices=("session", "fork", "spawn"), default="session",
                        help="how each mutant's run starts: forked from a pytest session that "
                             "collected the specs once (session, the default), forked from a "
                             "server that has pytest imported (fork), or as a python -m pytest "
                             "of its own (spawn: slowest, what Windows does)")
    parser.add_argument("--no-fork-server", dest="runs", action="store_const", const="spawn",
                        help="the same as --runs spawn")
    parser.add_argument("--keep", action="store_true",
                        help="keep each mutant's folder (source, impl.toml, log) in --workdir")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary")


def command_mutate(args) -> int:
    # imported here: cosmic-ray and coverage are needed by this command only
    try:
        from harness.documents import mutation as document
        from harness.mutation import (
            coverage_map,
            engine,
            equivalents,
            generate,
            operators,
            target,
        )
    except ImportError as exc:
        wanted = ("pip install 'sockspec[mutation]'" if paths.INSTALLED
                  else "pip install -r requirements/mutation.txt")
        raise CommandError(f"mutate needs cosmic-ray and coverage: {wanted} ({exc})") from None

    if args.list_operators:
        for name in operators.all_names():
            print(name)
        return EXIT_OK
    if args.merge:
        return _merge(args, document, equivalents, target)
    try:
        chosen_operators = operators.select(args.operator)
        impl = target.resolve(args.impl)
        shard = generate.parse_shard(args.shard) if args.shard else None
    except (operators.UnknownOperator, target.TargetError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    areas = [a for group in args.areas for a in group]
    specs_dir = Path(args.specs).resolve() if args.specs else paths.ROOT / "specs"
    spec_files = _spec_files(specs_dir, areas)

    source_text = impl.source.read_text(encoding="utf-8")
    shown = impl.shown(paths.ROOT)
    started = time.monotonic()
    load_before = _load()
    mutants = generate.generate_source(source_text, shown, chosen_operators)
    generated = len(mutants)
    if args.element:
        mutants = [m for m in mutants
                   if any(fnmatch.fnmatchcase(m.element, p) for p in args.element)]
    if args.mutant:
        wanted = set(args.mutant)
        unknown = wanted - {m.id for m in mutants}
        if unknown:
            raise CommandError(f"no mutant {sorted(unknown)[0]!r} in {shown} with these operators")
        mutants = [m for m in mutants if m.id in wanted]
    mutants = [m for m in mutants if generate.in_shard(m.id, shard)]
    generation_seconds = time.monotonic() - started
    if args.dry_run:
        return _print_dry_run(mutants, generated, generation_seconds)
    if not mutants:
        raise CommandError("no mutants to run (check --element, --mutant, --operator and --shard)")
    equivalents_path = Path(args.equivalents) if args.equivalents else (
        impl.folder / equivalents.FILE_NAME if impl.folder else None)
    try:
        equivalent = equivalents.load(equivalents_path) if equivalents_path else {}
    except equivalents.EquivalentsError as exc:
        raise CommandError(str(exc)) from None

    workdir = Path(args.workdir) if args.workdir else Path(
        tempfile.mkdtemp(prefix="sockspec-mutation-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _execute(args, impl, source_text, shown, mutants, chosen_operators, shard,
                        areas, specs_dir, spec_files, equivalent, workdir, started,
                        load_before, generation_seconds, modules=(coverage_map, document,
                                                                  engine),
                        equivalents_path=equivalents_path)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _execute(args, impl, source_text, shown, mutants, chosen_operators, shard, areas,
             specs_dir, spec_files, equivalent, workdir, started, load_before,
             generation_seconds, modules, equivalents_path=None) -> int:
    coverage_map, document, engine = modules
    rootdir = paths.ROOT
    common = ["--rootdir", str(rootdir), "-c", str(paths.CONFIG)]
    if paths.ROOT not in specs_dir.parents:
        # specs of your own, elsewhere: our conftest.py does not reach them, so the plugins
        # it registers are named here; node ids are relative to their folder's parent
        rootdir = specs_dir.parent
        common = ["--rootdir", str(rootdir), "-c", str(paths.CONFIG)]
        for plugin in paths.PLUGINS:
            common += ["-p", plugin]
    if args.keyword:
        common += ["-k", args.keyword]
    env = engine.child_env(workdir, paths.ROOT)
    original_meta = impl.register(workdir / "original", impl.source)
    workers = max(1, args.workers)
    say = (lambda *a: None) if args.quiet else print
    labels = [engine.NATIVE, *args.personas]
    say(f"mutate: {len(mutants)} mutants of {shown}; coverage runs of "
        f"{len(spec_files)} spec files in {min(workers, len(spec_files))} processes, "
        f"on this host as it is and under {len(args.personas)} personas")
    configurations = []
    for label in labels:
        extra = [] if label == engine.NATIVE else ["--persona", label]
        folder = workdir / "coverage" / label
        folder.mkdir(parents=True, exist_ok=True)
        try:
            cmap = coverage_map.build(
                impl.source, coverage_map.split(spec_files, workers),
                [*common, *extra, "--impl-meta", str(original_meta), "-p", "no:cacheprovider",
                 "-n", "0", "-q"],
                folder, env, rootdir)
        except coverage_map.CoverageError as exc:
            raise CommandError(f"{label}: {exc}") from None
        say(f"coverage ({label}): {len(cmap.passed)} specs pass on the original, "
            f"{len(cmap.other)} do not; {len(cmap.executed)} lines run ({cmap.seconds:.1f} s)")
        configurations.append(engine.Configuration(label, extra, cmap))
    if not configurations[0].cmap.passed:
        raise CommandError("no spec passed on the original implementation: nothing can kill a mutant")

    runner = engine.Runner(impl, source_text, workdir, common, env, rootdir, keep=args.keep,
                           original_meta=original_meta)
    if args.runs != engine.SESSION:
        runner.mode = args.runs if runner.fork else engine.SPAWN
    mutation_started = time.monotonic()

    def progress(done, total, mutant, outcome):
        if outcome.status in (engine.SURVIVED, engine.ERROR) and not args.quiet:
            note = f" ({outcome.detail})" if outcome.detail else ""
            print(f"[{done}/{total}] {outcome.status} {mutant.id} line {mutant.line} "
                  f"{mutant.operator}: {mutant.summary()}{note}", flush=True)
        elif done % 50 == 0 and not args.quiet:
            print(f"[{done}/{total}] ...", flush=True)

    outcomes = engine.run_all(runner, mutants, configurations, workers, progress)
    mutation_seconds = time.monotonic() - mutation_started

    records = []
    for mutant in mutants:
        outcome = outcomes[mutant.id]
        covering = engine.covering(configurations, mutant)
        record = {
            "id": mutant.id, "file": mutant.file, "line": mutant.line, "column": mutant.column,
            "element": mutant.element, "operator": mutant.operator, "diff": mutant.diff,
            "status": outcome.status, "killers": outcome.killers,
            "areas": sorted({document.area_of(s) for s in covering} - {None}),
            "covering": len(covering), "ran": outcome.ran, "seconds": outcome.seconds,
            "configuration": outcome.configuration,
        }
        if outcome.detail:
            record["detail"] = outcome.detail
        if equivalent.get(mutant.id):
            record["equivalent"] = equivalent[mutant.id]
        records.append(record)
    doc = document.build(
        implementation={"name": impl.name, "file": shown,
                        "sha256": hashlib.sha256(source_text.encode("utf-8")).hexdigest()},
        operators=chosen_operators,
        selection={"areas": areas, "keyword": args.keyword, "persona": None,
                   "personas": args.personas,
                   "elements": args.element,
                   "mutants": args.mutant,
                   "specs": None if args.specs is None else str(specs_dir)},
        shard=None if shard is None else {"index": shard[0], "count": shard[1]},
        coverage=_coverage_summary(configurations),
        timing={"seconds": round(time.monotonic() - started, 2),
                "generation_seconds": round(generation_seconds, 2),
                "coverage_seconds": round(sum(c.cmap.seconds for c in configurations), 2),
                "mutation_seconds": round(mutation_seconds, 2),
                "workers": workers, "cpus": os.cpu_count(), "fork_server": runner.fork,
                "runs": runner.mode,
                "load_average_before": load_before, "load_average_after": _load()},
        mutants=records,
        created=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    output = Path(args.output) if args.output else _default_output(impl.name, shard, None)
    document.write(doc, output)
    if not args.quiet:
        for mutant in document.survivors(doc):
            print(f"survivor {mutant['id']} {mutant['file']}:{mutant['line']} "
                  f"{mutant['operator']}: {document.diff_summary(mutant['diff'])}")
    whole = not (args.element or args.mutant or args.operator or shard or args.keyword
                 or areas or args.specs)
    wrong = _check_equivalents(records, equivalent, equivalents_path, whole)
    _print_summary(doc, output)
    return EXIT_FINDINGS if doc["counts"]["error"] or wrong else EXIT_OK


def _check_equivalents(records, equivalent, path, whole: bool) -> bool:
    """Print the equivalents the run contradicts (killed: so a program can tell them apart)
    and, on a run of every mutant, those no mutant has any more. True if any is wrong."""
    from harness.mutation import equivalents

    where = equivalents.lines(path) if path else {}
    wrong = False
    for record in records:
        if record.get("equivalent") and record["status"] in ("killed", "timeout"):
            wrong = True
            print(f"WRONG {path}:{where.get(record['id'], 0)}: mutant {record['id']} is listed "
                  f"as equivalent but {record['killers'][0] if record['killers'] else 'a spec'} "
                  "tells it apart")
    if whole:
        present = {r["id"] for r in records}
        for mutant_id in sorted(set(equivalent) - present, key=lambda i: where.get(i, 0)):
            print(f"STALE {path}:{where.get(mutant_id, 0)}: no mutant has id {mutant_id}")
    return wrong


def _merge(args, document, equivalents, target) -> int:
    try:
        docs = [document.read(Path(p)) for p in args.merge]
        merged = document.merge(docs, args.merge)
        path = Path(args.equivalents) if args.equivalents else None
        if path is None:
            try:
                impl = target.resolve(merged["implementation"]["name"])
            except target.TargetError:  # a .py file's run: no equivalents file of its own
                impl = None
            path = impl.folder / equivalents.FILE_NAME if impl and impl.folder else None
        if path is not None:
            # the entries of the Python the shards ran on, not of the one merging them
            python = (merged.get("python") or {}).get("version")
            document.apply_equivalents(merged, equivalents.load(path, python))
    except (document.DocumentError, equivalents.EquivalentsError) as exc:
        raise CommandError(str(exc)) from None
    output = Path(args.output) if args.output else _default_output(
        merged["implementation"]["name"], None, merged["selection"].get("persona"))
    document.write(merged, output)
    _print_summary(merged, output)
    return EXIT_OK


def _coverage_summary(configurations) -> dict:
    """The native run's figures at the top, each configuration's under ``configurations``."""
    def figures(cmap):
        return {"passing_specs": len(cmap.passed), "other_specs": len(cmap.other),
                "lines_executed": len(cmap.executed), "seconds": round(cmap.seconds, 2)}

    summary = figures(configurations[0].cmap)
    executed = set().union(*(c.cmap.executed for c in configurations))
    summary["lines_executed_any"] = len(executed)
    summary["configurations"] = {c.label: figures(c.cmap) for c in configurations}
    return summary


def _spec_files(specs_dir: Path, areas: List[str]) -> List[Path]:
    if not specs_dir.is_dir():
        raise CommandError(f"--specs {str(specs_dir)!r}: no such folder")
    if not areas:
        files = sorted(specs_dir.glob("test_*.py"))
        if not files:
            raise CommandError(f"no spec files (test_*.py) in {specs_dir}")
        return files
    files = []
    for area in areas:
        path = specs_dir / f"test_{area}.py"
        if not path.is_file():
            raise CommandError(f"unknown area {area!r}: there is no {path}")
        files.append(path)
    return files


def _default_output(name: str, shard, persona: Optional[str]) -> Path:
    suffix = f"-{persona}" if persona else ""
    suffix += f"-shard-{shard[0]}-of-{shard[1]}" if shard else ""
    return paths.output_root() / "mutation" / f"{name}{suffix}.json"


def _load() -> Optional[List[float]]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def _print_dry_run(mutants, generated: int, seconds: float) -> int:
    from collections import Counter

    for name, count in sorted(Counter(m.operator for m in mutants).items()):
        print(f"{count:6}  {name}")
    print(f"{len(mutants)} mutants to run ({generated} generated in {seconds:.1f} s)")
    return EXIT_OK


def _print_summary(doc, output: Path) -> None:
    counts = doc["counts"]
    score = doc["scores"]["total"]["score"]
    survivors = [m for m in doc["mutants"]
                 if m["status"] == "survived" and not m.get("equivalent")]
    errors = [m for m in doc["mutants"] if m["status"] == "error"]
    for mutant in errors[:10]:
        print(f"error {mutant['id']} line {mutant['line']}: {mutant.get('detail', '')}")
    print(f"mutants: {len(doc['mutants'])}; " + ", ".join(f"{k} {v}" for k, v in counts.items())
          + f"; score {'n/a' if score is None else f'{score:.1%}'}")
    print(f"survivors covered by specs: {len(survivors)}")
    print(f"document: {output}")
