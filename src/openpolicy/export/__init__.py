"""Bulk exports: one consistent, checksummed snapshot of the public data as CSV, JSON Lines and Popolo JSON.

Layer: above db and documents, below api (the api lists and serves what :mod:`openpolicy.export.store` finds).
:mod:`~openpolicy.export.spec` is the one definition of every exported file and column (the data dictionary
``docs/data-dictionary.md`` is generated from it), :mod:`~openpolicy.export.writer` writes an export,
:mod:`~openpolicy.export.store` reads, lists and prunes them, :mod:`~openpolicy.export.objectstore` talks S3.
"""
