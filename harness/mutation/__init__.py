"""Mutation testing of an implementation against the specs (``python -m harness mutate``).

One module per job:

- :mod:`harness.mutation.operators`: the mutation operators (cosmic-ray's, used as a library,
  and the few it lacks, written here on the same parso trees);
- :mod:`harness.mutation.generate`: the mutants of one source file, each with a stable id;
- :mod:`harness.mutation.coverage_map`: which spec executes which line of the implementation;
- :mod:`harness.mutation.engine`: runs each mutant's covering specs in a child process;
- :mod:`harness.mutation.equivalents`: mutants known to behave like the original;
- :mod:`harness.documents.mutation`: the results document, its scores and its reader.

cosmic-ray and coverage are needed only here (requirements/mutation.txt).
"""
