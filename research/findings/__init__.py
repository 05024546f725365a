"""The findings rules: what may leave Innsikt as numbers, charts and quotes.

Pure modules (no models, no database; the import contracts check it): ``filters`` (what a
researcher narrows answers to), ``analysis`` (counts and cross-tabs over a response frame),
``suppression`` (the k rule), ``scrub`` (personal data out of free text), ``findings``
(results made fit to publish: the only road from counts to a reader) and ``charts`` (SVG).
Importing the package loads nothing: ``scrub`` and ``filters`` stay free of pandas."""
