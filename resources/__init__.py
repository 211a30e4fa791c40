"""Shipped priors and data files (installed as designer_app.resources)."""
