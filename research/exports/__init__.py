"""Exports of a survey's answers (CSV, XLSX, SPSS), each with its codebook.

``columns`` owns the export's columns (names, order, codes) and how a raw value becomes a
cell; ``coding`` codes the same cells in PostgreSQL's SQL; ``writers`` writes a file from the
columns and a rows source, whichever coded the rows; ``xlsx_sheet`` streams a workbook;
``selectors`` reads the rows source from the database (research.services runs the job).
Importing the package loads nothing."""
