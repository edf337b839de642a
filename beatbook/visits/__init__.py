"""Door-to-door visit rounds, the shared visit log, coverage, follow-ups."""
