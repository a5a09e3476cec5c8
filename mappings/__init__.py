"""Mappings translate raw source records into canonical rows, declaratively (YAML)."""
