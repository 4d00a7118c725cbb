"""The loader's pure helpers for large ballot batches: grouping in key order, change images and tallies."""

from __future__ import annotations

import json
import random

from openpolicy.ingest.loader import by_vote, summarize_ballots
from openpolicy.ingest.records import BallotRow


def _ballots(seed: int) -> list[BallotRow]:
    rng = random.Random(seed)
    people = [f"ocd-person/{rng.getrandbits(64):016x}" for _ in range(30)] + [None]
    out: list[BallotRow] = []
    for _ in range(12):
        vote = f"ocd-vote/{rng.getrandbits(64):016x}"
        voters = rng.sample(people, 20)
        out.extend((vote, i, p, f"Voter {p}", rng.choice(["yes", "no", "absent"])) for i, p in enumerate(voters))
    return out


def test_by_vote_joins_runs_and_orders_ordinals() -> None:
    rows = _ballots(1)
    shuffled = rows[:]
    random.Random(2).shuffle(shuffled)
    groups = by_vote(shuffled)
    assert list(groups) == list(dict.fromkeys(r[0] for r in shuffled))  # first-seen order
    for vote, group in groups.items():
        assert group == sorted(r for r in rows if r[0] == vote)


def test_summaries_are_columnar_images_and_tallies() -> None:
    groups = by_vote(_ballots(4))
    summary = summarize_ballots(groups, list(groups), frozenset(groups))
    assert json.loads(summary.images[""]) == {"ordinal": [], "person_id": [], "voter_name": [], "option": []}
    for vote, group in groups.items():
        image = json.loads(summary.images[vote])
        assert image == {
            "ordinal": [r[1] for r in group],
            "person_id": [r[2] for r in group],
            "voter_name": [r[3] for r in group],
            "option": [r[4] for r in group],
        }
        assert dict(summary.tally[vote]) == {o: sum(1 for r in group if r[4] == o) for o in {r[4] for r in group}}


def test_ballots_digest_is_of_the_rows_as_written() -> None:
    """A vote's ballots digest (vote_events.ballots_digest) changes with any field of any ballot, and is None for an
    input with two ballots of one ordinal (never skipped as unchanged)."""
    from openpolicy.ingest.loader import EMPTY_DIGEST, ballots_digest

    rows = [("v", 0, "p0", "A", "yes"), ("v", 1, "p1", "B", "no")]
    digest = ballots_digest(rows)
    assert digest is not None and len(digest) == 16 and digest == ballots_digest(list(rows))
    for changed in (
        [("v", 0, "p0", "A", "yes"), ("v", 1, "p1", "B", "yes")],
        [("v", 0, "p0", "A", "yes"), ("v", 1, None, "B", "no")],
        [("v", 0, "p0", "A", "yes"), ("v", 1, "p1", "C", "no")],
        [("v", 0, "p0", "A", "yes"), ("v", 2, "p1", "B", "no")],
        rows[:1],
    ):
        assert ballots_digest(changed) not in (None, digest)
    assert ballots_digest([*rows, ("v", 1, "p2", "C", "no")]) is None
    summary = summarize_ballots({"v": rows}, ["v", "w"], frozenset())
    assert summary.digests == {"v": digest, "w": EMPTY_DIGEST}
    assert set(summary.images) == {""} and summary.tally["v"] == {"yes": 1, "no": 1}
