"""Sectoral systems of known kinds, declared in sources.yaml: adding one is YAML plus a mapping."""
from .declaration import DeclarationError, SectoralSource, load_declarations, make_connector

__all__ = ["DeclarationError", "SectoralSource", "load_declarations", "make_connector"]
