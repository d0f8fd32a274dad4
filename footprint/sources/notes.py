"""The notes a parser hands back besides its table: what a person should know about a file that is not an
error and not one bad cell (a meter replaced, a counter reset, a gap in the intervals, usage that does not
match the readings, a word the vocabulary does not know).

A format with notes exposes `read_with_report(path, *, ean=None) -> (frame, notes)`; its `read` returns
the frame alone. `footprint parse` prints the notes. At most MAX_NOTES_PER_KIND events of a kind are
listed one by one; one more note of that kind counts the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

MAX_NOTES_PER_KIND: Final = 20


@dataclass(frozen=True)
class Note:
    """Something worth telling about a file that is neither an error nor one unreadable cell.

    kind: meter_replaced, counter_reset, gap, overlap, duplicate_reading, skipped_reading,
    long_interval, usage_mismatch, carrier, negative_usage, unreadable_time, ignored_column,
    no_readings (a direction the layout has columns for but the file no value in), unknown_word,
    spans_months, summary_row, assumed_layout (a profile whose layout no real file has shown).
    `count` is the number of events a note stands for: more than one on the note that sums up those
    not listed one by one.
    """

    kind: str
    message: str
    row: int | None = None
    count: int = 1

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row is not None else self.message


def capped(notes: Sequence[Note]) -> list[Note]:
    """At most MAX_NOTES_PER_KIND notes of each kind, then one per kind saying how many more there were."""
    kept: list[Note] = []
    shown_so_far: dict[str, int] = {}
    rest: dict[str, int] = {}
    for note in notes:
        if note.count == 1 and shown_so_far.get(note.kind, 0) < MAX_NOTES_PER_KIND:
            shown_so_far[note.kind] = shown_so_far.get(note.kind, 0) + 1
            kept.append(note)
        else:
            rest[note.kind] = rest.get(note.kind, 0) + note.count
    return kept + [_more_note(kind, count) for kind, count in rest.items()]


def shown(positions: np.ndarray) -> np.ndarray:
    """The events listed one by one; `more` sums up the rest."""
    return positions[:MAX_NOTES_PER_KIND]


def more(count: int, kind: str) -> list[Note]:
    """The note that counts the events of a kind beyond those listed, when there are any."""
    extra = count - MAX_NOTES_PER_KIND
    return [_more_note(kind, extra)] if extra > 0 else []


def row_notes(kind: str, message: str, rows: np.ndarray) -> list[Note]:
    """The same note on each of `rows` (source rows): the first MAX_NOTES_PER_KIND listed, the rest counted."""
    return [Note(kind, message, row=int(row)) for row in shown(rows)] + more(len(rows), kind)


def _more_note(kind: str, count: int) -> Note:
    return Note(kind, f"... and {count} more like this ({kind}) not listed", count=count)


def first_row_note(
    kind: str, rows: np.ndarray, source_row: np.ndarray, what: str, outcome: str, detail: str = ""
) -> list[Note]:
    """One note for the rows `rows` marks: how many and what they are, the first of them, and what became of them.

    Reads "<count> <what> (<detail>; first on row <n>): <outcome>"; no note when no row is marked.
    """
    if not rows.any():
        return []
    first = f"first on row {int(source_row[rows][0])}"
    return [Note(kind, f"{int(rows.sum())} {what} ({f'{detail}; {first}' if detail else first}): {outcome}")]


DIRECTION_NAMES: Final = {"consumption": "consumption", "feed_in": "feed-in", "generation": "generation"}


def no_readings_note(direction: str, columns: Sequence[str], what: str = "readings") -> Note:
    """The one note for a direction the layout has columns for and the file no value in (a meter without
    feed-in): no rows, and nothing to quarantine."""
    name = DIRECTION_NAMES.get(direction, direction)
    return Note(
        "no_readings",
        f"no {name} {what} in this file ({', '.join(columns)}: every cell empty): no {name} rows",
    )


def unknown_word_notes(
    words: pd.Series, unknown: np.ndarray, source_row: np.ndarray, column: str, outcome: str
) -> list[Note]:
    """One note per distinct word of `column` that footprint/data/vocabulary.yaml does not list, with how
    many rows hold it and the first; `outcome` says what became of those rows."""
    if not unknown.any():
        return []
    found = pd.DataFrame(
        {"word": words[unknown].fillna("(empty)").to_numpy(dtype=object), "row": source_row[unknown]}
    ).groupby("word", sort=False)["row"].agg(["size", "min"])
    notes = [
        Note(
            "unknown_word",
            f"{column} {word!r} on {count} row{'s' if count != 1 else ''} is not a word footprint knows "
            f"(footprint/data/vocabulary.yaml): {outcome}",
            row=int(first),
        )
        for word, count, first in found.head(MAX_NOTES_PER_KIND).itertuples()
    ]
    return notes + more(len(found), "unknown_word")


def rows_only(read_with_report: Callable[..., tuple[pd.DataFrame, list[Note]]]) -> Callable[..., pd.DataFrame]:
    """A format's `read` from its `read_with_report`: the rows, without the notes."""

    def read(path: Path, *, ean: Any = None) -> pd.DataFrame:
        return read_with_report(path, ean=ean)[0]

    return read
