"""Threadr core: the domain, use cases and adapters shared by every surface."""

__version__ = "0.1.0"
