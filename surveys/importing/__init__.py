"""Questionnaires from files: LimeSurvey (.lss) and XLSForm (.xlsx/.xls) in, XLSForm out.

model (pure: the imported survey, its report, the raw-body builders) ← the readers
(limesurvey, xlsform, expressions: pure) ← bounded (runs a reader in a child process with
time and memory caps) ← services (checks and saves a draft SurveyPage with its translations).
docs/import.md has the mapping tables.
"""
