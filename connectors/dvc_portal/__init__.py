from .client import PortalClient, PortalError
from .connector import DvcPortalConnector

__all__ = ["PortalClient", "PortalError", "DvcPortalConnector"]
