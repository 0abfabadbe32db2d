"""Tools for working on plankg itself (not used by the service)."""
