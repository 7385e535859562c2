"""Shared lesson components; see docs/ARCHITECTURE.md."""
