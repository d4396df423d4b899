"""Scripts that train the artefacts in ``models/artifacts`` from ``../shared/data``.

One module per artefact (``python -m training.<name>``). May import ``models``; never
imported by ``models``, ``service`` or ``claims_db``.
"""
