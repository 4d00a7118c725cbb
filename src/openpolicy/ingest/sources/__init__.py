"""One parser per source: pure functions from files to a :class:`~openpolicy.ingest.records.Bundle`."""
