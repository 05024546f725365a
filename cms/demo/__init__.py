"""Demo content and its loader: the top of the layers (docs/architecture.md)."""
