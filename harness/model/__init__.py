"""The model: what a spec is and when it applies, outcomes, expectations, versions, host capabilities, personas and the API surface. Imports nothing else of the harness."""
