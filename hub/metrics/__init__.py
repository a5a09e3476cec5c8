"""Metrics publish: aggregates computed in the database, upserted into metric_* tables."""
