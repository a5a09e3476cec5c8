"""Simulators of the national systems (the way moto stands in for AWS).

They serve the demo, the tests and the benchmarks, on 127.0.0.1 only.
"""
