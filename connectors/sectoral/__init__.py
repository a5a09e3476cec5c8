"""Sectoral systems of known kinds, declared in sources.yaml: adding one is YAML plus a mapping."""
from .declaration import SectoralSource, load_declarations, make_connector

__all__ = ["SectoralSource", "load_declarations", "make_connector"]
