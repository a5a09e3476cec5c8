"""Connectors extract raw records from the national systems; they never translate them."""
