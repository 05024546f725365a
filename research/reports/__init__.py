"""Findings reports: their data (selectors) and their rendering as HTML and PDF (services)."""
