"""Broadcasts and alerts: announcements to many groups at once, and missing-person or
urgent alerts to chosen grids with acknowledgements and sightings.

Where things are: ``services`` (every write, by subject in ``broadcasts`` and ``alerts``;
what they share in sending in ``sending``), ``selectors`` (scoped reads), ``views``,
``forms`` and ``urls`` (the pages, under /community/notices/). Templates stay with the
community app's, under ``templates/community/``.
"""
