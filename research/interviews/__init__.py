"""Interviews: guides in the CMS, self-booked slots, notes per guide question, coding into
themes, anonymised quotes for findings reports, and exchange (CSV, XLSX, REFI-QDA).

Models live in research/models.py (Django finds them there); this package holds the
blocks, services, selectors, views and pure helpers of the interview workflow."""
