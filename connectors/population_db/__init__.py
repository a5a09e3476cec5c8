from .client import PopulationClient, Verification

__all__ = ["PopulationClient", "Verification"]
