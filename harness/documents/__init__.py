"""The documents a run writes and others read: the results file, the facts about a run, and the soak and bench documents' schemas."""
