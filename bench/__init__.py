"""Benchmarks: measuring instruments, not part of the hub (nothing in hub/, connectors/, mappings/ or
quality/ imports them)."""
