"""Which identifiers may join records of different sources into one person.

Every identifier scheme has a declared scope:

* **global** (:data:`GLOBAL_SCHEMES`): one authority's registry, one value per person everywhere — Wikidata,
  the Congress bioguide, the House of Commons PersonId. Records of different files are the same person when
  they share one; such an identifier is stored with the scope ``''``.
* **local** (every other scheme, including ones no one declared): unique only within the dataset that issued
  it — EveryPolitician's ``everypolitician_legacy`` numbers, a Popolo file's own ids, VIAF or ISNI as copied by
  a scraper. Stored with the dataset as scope, shown, never used to join.

A conflict is refused, never resolved by guessing: one record carrying global ids of two different stored
people, or matched to a person who holds another value of a :data:`SINGLE_VALUED` scheme (two Wikidata ids
for one person).
"""

from __future__ import annotations

from typing import Final

GLOBAL_SCHEMES: Final = frozenset(
    {
        "wikidata",
        "bioguide",  # US Congress Biographical Directory
        "lis",  # US Senate Legislative Information System
        "thomas",
        "govtrack",
        "icpsr",
        "ourcommons",  # House of Commons of Canada PersonId
        "represent",  # EveryPolitician's name for the House of Commons PersonId (Canada)
        "parlinfo",
        "datadotparl",  # UK Parliament members data platform id
        "parliamentdotuk",
        "theyworkforyou",
        "aph",  # Parliament of Australia handbook id
        "demo-parliament",  # the synthetic Demo Parliament's member numbers (openpolicy.ingest.demo)
    }
)
# Global schemes of which a person has at most one value.
SINGLE_VALUED: Final = GLOBAL_SCHEMES


def is_global(scheme: str) -> bool:
    return scheme in GLOBAL_SCHEMES


def scope_of(scheme: str, dataset: str) -> str:
    """The stored scope of an identifier of ``scheme`` issued by ``dataset``: ``''`` when the scheme is global."""
    return "" if scheme in GLOBAL_SCHEMES else dataset
