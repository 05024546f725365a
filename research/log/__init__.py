"""The research log: who exported, generated, downloaded or opened which research data, and
when — each library's own log (read in the admin under Settings → Research log, cms/audit.py).

Its model keeps the app label ``research`` (research/models.py imports it so Django registers
it); every part of research records through ``research_log_record`` (services)."""
