"""The importers' shared file helpers (ingest/sources/common.py), edge by edge: what a user importing a file reads.

These need no real data: each builds the file it reads. ``make mutate`` judges common.py with them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from openpolicy.ingest.records import Bundle, InputError
from openpolicy.ingest.sources.common import display, ordinal, parse_sorted, read_csv, read_json

URL = "https://example.org/data/people.json"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0th"), (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (9, "9th"), (10, "10th"), (11, "11th"),
        (12, "12th"), (13, "13th"), (14, "14th"), (19, "19th"), (20, "20th"), (21, "21st"), (22, "22nd"),
        (23, "23rd"), (24, "24th"), (42, "42nd"), (43, "43rd"), (44, "44th"), (100, "100th"), (101, "101st"),
        (102, "102nd"), (103, "103rd"), (110, "110th"), (111, "111th"), (112, "112th"), (113, "113th"),
        (119, "119th"), (120, "120th"), (121, "121st"), (1001, "1001st"), (1011, "1011th"),
    ],
)  # fmt: skip
def test_ordinal_names_parliaments_and_congresses_as_people_write_them(n: int, expected: str) -> None:
    assert ordinal(n) == expected


def test_display_names_the_url_a_file_came_from_else_its_path(tmp_path: Path) -> None:
    downloaded, local = tmp_path / "tmp1234.json", tmp_path / "local.json"
    names = {downloaded: URL}
    assert display(downloaded, names) == URL
    assert display(local, names) == str(local)
    assert display(local, None) == str(local)
    assert display(local, {}) == str(local)


class _Recorder:
    """A FileSorter that reads each file as JSON under its shown name."""

    def __init__(self) -> None:
        self.bundle = Bundle(source="test")
        self.seen: list[tuple[Path, str, object]] = []

    def classify(self, path: Path, shown: str) -> None:
        self.seen.append((path, shown, read_json(path, shown)))

    def finish(self) -> Bundle:
        self.bundle.source = "finished"
        return self.bundle


def test_parse_sorted_reads_every_file_under_its_shown_name_and_lists_them_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text('{"n": 1}')
    second.write_text('{"n": 2}')
    parser = _Recorder()
    bundle = parse_sorted(parser, [first, second], {second: URL})
    assert bundle is parser.bundle and bundle.source == "finished"
    assert bundle.files == [str(first), URL]
    assert parser.seen == [(first, str(first), {"n": 1}), (second, URL, {"n": 2})]


def test_a_url_import_error_names_the_url_not_the_temporary_file(tmp_path: Path) -> None:
    temp = tmp_path / "download-1a2b3c.json"
    temp.write_text('{"persons": [1, 2,, 3]}')
    with pytest.raises(InputError) as info:
        parse_sorted(_Recorder(), [temp], {temp: URL})
    assert info.value.file == URL
    assert str(info.value).startswith(f"{URL}: record at line 1 column 19: malformed JSON")
    assert str(temp) not in str(info.value)


def test_read_json_returns_the_document(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"persons": [{"id": "p1"}]}\n')
    assert read_json(path, "shown") == {"persons": [{"id": "p1"}]}


def test_an_unreadable_json_file_is_named_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_json(tmp_path / "absent.json", URL)
    assert (info.value.file, info.value.record, info.value.field) == (URL, None, None)
    assert str(info.value) == f"{URL}: cannot read: No such file or directory"
    with pytest.raises(InputError) as info:
        read_json(tmp_path, "a folder")  # a directory cannot be read as a file
    assert str(info.value) == "a folder: cannot read: Is a directory"


def test_malformed_json_names_line_then_column(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{\n  "a": 1,\n    x\n}\n')
    with pytest.raises(InputError) as info:
        read_json(path, "doc.json")
    assert info.value.record == "at line 3 column 5"
    assert info.value.problem == "malformed JSON: unexpected character, expected a string key"


@pytest.mark.parametrize("text", ['{"a": [1, 2', '{"a": "unfinished', "[\n1,\n2,\n"])
def test_truncated_json_is_called_truncated(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_json(path, "doc.json")
    assert info.value.problem.startswith("truncated JSON: ")
    assert info.value.record is not None and info.value.record.startswith("at line ")


@pytest.mark.parametrize(
    ("text", "record", "problem"),
    [
        ("[1,2,,3]    \n", "at line 1 column 6", "unexpected character, expected a JSON value"),
        ("[1, 2]]", "at line 1 column 7", "unexpected content after document"),  # one character too many at the end
        ('{"a": 1}\n}\n', "at line 2 column 1", "unexpected content after document"),
    ],
)
def test_json_broken_but_complete_is_malformed_not_truncated(
    tmp_path: Path, text: str, record: str, problem: str
) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_json(path, "doc.json")
    assert (info.value.record, info.value.problem) == (record, f"malformed JSON: {problem}")


def _csv(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "votes.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_csv_rows_are_labelled_with_their_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name\r\n1,One\r\n2,Two\r\n")
    assert list(read_csv(path, "votes.csv", ("id",))) == [
        ("row 2", {"id": "1", "name": "One"}),
        ("row 3", {"id": "2", "name": "Two"}),
    ]


def test_csv_quoted_line_breaks_stay_in_their_cell(tmp_path: Path) -> None:
    """A record spanning lines is one row (line breaks read as ``\\n``, the file is read as text)."""
    path = _csv(tmp_path, 'id,note\r\n1,"first line\r\nsecond line"\r\n2,"a\nb"\r\n')
    assert list(read_csv(path, "votes.csv", ("id",))) == [
        ("row 2", {"id": "1", "note": "first line\nsecond line"}),
        ("row 3", {"id": "2", "note": "a\nb"}),
    ]


def test_csv_with_a_byte_order_mark_finds_its_first_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "\ufeffid,name\n1,One\n".encode())
    assert list(read_csv(path, "votes.csv", ("id", "name"))) == [("row 2", {"id": "1", "name": "One"})]


def test_csv_blank_lines_are_skipped_and_still_counted(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name\n\n1,One\n\n\n2,Two\n")
    assert [label for label, _ in read_csv(path, "votes.csv", ("id",))] == ["row 3", "row 6"]
    path = _csv(tmp_path, "id,name\n\n1,One\n\n2\n")
    with pytest.raises(InputError) as info:
        list(read_csv(path, "votes.csv", ("id", "name")))
    assert (info.value.record, info.value.field) == ("row 5", "name")


def test_csv_with_a_header_and_no_rows_has_no_rows(tmp_path: Path) -> None:
    assert list(read_csv(_csv(tmp_path, "id,name\n"), "votes.csv", ("id",))) == []
    assert list(read_csv(_csv(tmp_path, "id,name"), "votes.csv", ("id",))) == []


def test_an_empty_csv_file_says_it_has_no_header(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        list(read_csv(_csv(tmp_path, ""), "votes.csv", ("id",)))
    assert str(info.value) == "votes.csv: record header: empty file (no header row)"


def test_csv_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        list(read_csv(_csv(tmp_path, b"id,name\n1,\xe9t\xe9\n"), "votes.csv", ("id",)))
    assert info.value.record is None and info.value.problem.startswith("cannot read as UTF-8 text: ")
    with pytest.raises(InputError) as info:
        list(read_csv(tmp_path / "absent.csv", "absent.csv", ("id",)))
    assert info.value.problem.startswith("cannot read as UTF-8 text: ") and "No such file" in info.value.problem


def test_csv_missing_columns_are_all_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        list(read_csv(_csv(tmp_path, "id,other\n1,2\n"), "votes.csv", ("id", "name", "date")))
    assert (info.value.record, info.value.field) == ("header", "name")
    assert info.value.problem == "missing column(s) name, date; found ['id', 'other']"


def test_a_short_row_names_the_first_missing_required_cell(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,note,name,date\n1,n,Ann,2020\n2\n")
    with pytest.raises(InputError) as info:
        list(read_csv(path, "votes.csv", ("id", "name", "date")))
    assert (info.value.record, info.value.field) == ("row 3", "name")
    assert info.value.problem == "missing value (row has 1 of 4 columns)"


def test_a_short_row_missing_only_optional_cells_is_still_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,note\n1\n")
    with pytest.raises(InputError) as info:
        list(read_csv(path, "votes.csv", ("id",)))
    assert (info.value.record, info.value.field) == ("row 2", None)
    assert info.value.problem == "has 1 columns, the header 2"


def test_a_long_row_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name\n1,One\n2,Two,extra\n")
    with pytest.raises(InputError) as info:
        list(read_csv(path, "votes.csv", ("id",)))
    assert (info.value.record, info.value.field, info.value.problem) == ("row 3", None, "has 3 columns, the header 2")


def test_malformed_csv_names_the_row_or_the_header(tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 1)
    path = _csv(tmp_path, f"id,name\n1,One\n2,{huge}\n")
    rows = read_csv(path, "votes.csv", ("id",))
    assert next(rows) == ("row 2", {"id": "1", "name": "One"})
    with pytest.raises(InputError) as info:
        next(rows)
    assert info.value.record == "row 3" and info.value.problem.startswith("malformed CSV: field larger than")
    with pytest.raises(InputError) as info:
        list(read_csv(_csv(tmp_path, f"id,{huge}\n1,2\n"), "votes.csv", ("id",)))
    assert info.value.record == "header" and info.value.problem.startswith("malformed CSV: field larger than")
