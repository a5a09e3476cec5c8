from .db import connect, create_warehouse_engine, upsert
from .schema import metadata

__all__ = ["connect", "create_warehouse_engine", "upsert", "metadata"]
