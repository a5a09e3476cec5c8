"""LienThong hub core: settings, warehouse, pipeline stages, metrics, reports, CLI."""
