"""Scripts that train the artefacts in ``models/artifacts`` from ``../shared/data``.

One module per artefact (``python -m training.<name>``) plus the data loaders they share.
May import ``models``, ``claims_db`` and ``evaluation``'s metrics; never imported at run time.
"""
