from .connector import MonitoringConnector

__all__ = ["MonitoringConnector"]
