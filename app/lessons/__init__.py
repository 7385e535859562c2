"""One module per lesson; see docs/ARCHITECTURE.md."""
