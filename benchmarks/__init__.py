"""pbkit benchmarks: each measures pbkit against a baseline in the same run (see harness)."""
