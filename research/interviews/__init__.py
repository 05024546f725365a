"""Interviews: guides in the CMS, self-booked slots, notes per guide question, coding into
themes, anonymised quotes for findings reports, and exchange (CSV, XLSX, REFI-QDA).

The package holds the interview workflow's models (app label ``research``: research/models.py
imports them so Django registers them), blocks, services, selectors, tasks, views and pure
helpers."""
