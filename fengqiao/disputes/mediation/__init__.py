"""People's mediation on a dispute case, in the same rooms as every app.

- ``services``: every write of mediation (sessions, the agreement and its signatures,
  performance, judicial confirmation, return visits);
- ``views``: the mediation steps posted from the case page, and the printable PDFs;
- ``panel``: what the case page's mediation part shows and offers to its reader;
- ``paperwork``: the case's mediation records as pages and documents show them, and the
  audited prints;
- ``documents``: the printable documents themselves, pure ReportLab (one module a document).
"""
