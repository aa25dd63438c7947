"""Use cases: the core API every surface calls."""
