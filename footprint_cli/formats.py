"""`footprint formats`: draft a meter export profile from a file footprint does not know, and check one.

`suggest` writes a draft whose every guess is marked (`# GUESS:`) and whose open questions are TODOs,
then previews what the draft reads from the file when it loads; `check` previews any profile on a file.
Everything shown that comes from the file (column names, EANs, notes) goes to footprint's consoles,
which never read it as Rich markup and show control characters as \\xNN; a value inside a line is
made one line first.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from footprint.errors import ConfigError, FootprintError, InputFileError, UsageError
from footprint.sources.meter_eans import Assigned, EanOption
from footprint.sources.meter_intervals import format_moment
from footprint.sources.meter_profile import profile_format
from footprint.sources.meter_profile_schema import NAME_PATTERN
from footprint.sources.profile_preview import Preview, preview
from footprint.sources.registry import detect_format, quote_argument
from footprint.sources.suggest import Draft, suggest_profile
from footprint.visible import one_line
from footprint_cli.app import console, formats_app, friendly, plain_number

# Stand-in EANs for a preview of a file that names no meter when none is given (valid check digits,
# in the electricity and gas ranges of footprint.sources.meter_eans): shown as such, never stored.
STAND_IN_EANS = Assigned(["electricity=871687120000000004", "gas=871687140000000002"])
_NAME = re.compile(NAME_PATTERN)

EanArgument = Annotated[
    list[str] | None,
    typer.Option(
        help="EAN for rows whose file names no valid one ('gas=EAN' / 'electricity=EAN' when it holds both); "
        "in a file naming several EANs, the ones to keep."
    ),
]


def _say(text: str) -> None:
    """One line of output that may hold data, without Rich's number highlighting."""
    console.print(text, highlight=False)


@formats_app.command("suggest")
@friendly
def formats_suggest(
    file: Annotated[Path, typer.Argument(help="A meter export (CSV or XLSX) footprint does not know.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Profile to write (default: <file stem>.profile.yaml here).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The profile's name (default: from the file name).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the profile file if it exists.")] = False,
    ean: EanArgument = None,
) -> None:
    """Draft a meter export profile from FILE: every guess marked GUESS, what is left to you TODO."""
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    if name is not None and not _NAME.match(name):
        raise UsageError(f"--name {name!r}: a profile name is lower-case letters, digits and _, starting with a letter")
    target = out if out is not None else Path(f"{file.stem}.profile.yaml")
    if target.exists() and not force:
        raise UsageError(f"{target}: exists; give --force to overwrite it, or --out another file")
    try:
        draft = suggest_profile(file, name)
    except InputFileError as exc:  # a file suggest cannot read is the user's to fix: exit 2, as a usage error
        raise UsageError(str(exc)) from None
    try:
        target.write_text(draft.text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot be written: {exc.strerror or exc}") from None
    _say(
        f"{one_line(str(target))}: draft profile {draft.name} from {one_line(file.name)} ({draft.rows:,} data rows): "
        f"{draft.guesses} guesses to check (# GUESS), {draft.todos} things to fill in or confirm (# TODO)"
    )
    known = _known_format(file)
    if known:
        _say(f"note: footprint already reads this file as format {known} (footprint parse {_arg(file)})")
    try:
        fmt = profile_format(target)
    except ConfigError as exc:
        _say(f"the draft does not load yet: {exc}")
        _say(f"fill in the TODOs, then: footprint formats check {_arg(target)} {_arg(file)}{_ean_hint(draft)}")
        return
    given, how = _preview_eans(draft, ean)
    try:
        shown = preview(fmt, file, given)
    except InputFileError as exc:
        _say(f"the draft loads but does not read the file yet: {exc}")
        return
    if how:
        _say(how)
    _print_preview(shown)
    _say(f"check again after each edit: footprint formats check {_arg(target)} {_arg(file)}{_ean_hint(draft)}")


@formats_app.command("check")
@friendly
def formats_check(
    profile: Annotated[Path, typer.Argument(help="A meter export profile (.yaml).")],
    file: Annotated[Path, typer.Argument(help="An export the profile describes.")],
    ean: EanArgument = None,
) -> None:
    """Read FILE by PROFILE: the first rows, totals per channel, intervals, gaps, clock-change days and notes."""
    for path in (profile, file):
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    fmt = profile_format(profile)
    try:
        shown = preview(fmt, file, ean or None)
    except InputFileError as exc:  # a file the profile does not fit is the user's to fix (the profile, --ean)
        raise UsageError(str(exc)) from None
    _say(f"{one_line(file.name)} read by profile {fmt.NAME} ({one_line(profile.name)}):")
    _print_preview(shown)


def _known_format(file: Path) -> str | None:
    """The shipped format that reads the file, if one does: a draft is then rarely needed."""
    try:
        return str(detect_format(file).NAME)
    except FootprintError:
        return None


def _preview_eans(draft: Draft, ean: list[str] | None) -> tuple[EanOption, str]:
    if ean:
        return ean, ""
    if not draft.needs_ean:
        return None, ""
    if draft.file_eans:
        return Assigned(list(draft.file_eans)), f"preview with EAN {draft.file_eans[0]} from the file name"
    return STAND_IN_EANS, (
        "preview with stand-in EANs (871687120000000004 electricity, 871687140000000002 gas): the file names no "
        "meter; give yours with --ean"
    )


def _ean_hint(draft: Draft) -> str:
    if not draft.needs_ean:
        return ""
    return f" --ean {draft.file_eans[0]}" if draft.file_eans else " --ean <EAN>"


def _arg(path: Path) -> str:
    """A path as a shell argument a user can paste, one line."""
    return quote_argument(one_line(str(path)))


def _cell(value: object) -> str:
    """A preview cell: `-` for anything missing (None, <NA>, NaN, NaT), a moment as the notes write it."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "-"
    if isinstance(value, pd.Timestamp):
        return format_moment(value)
    if isinstance(value, float):
        return plain_number(value)
    return one_line(str(value))


def _duration(length: pd.Timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _print_preview(shown: Preview) -> None:
    _say(f"{shown.rows:,} canonical row(s); the first {min(len(shown.first), shown.rows)}:")
    cells = [[_cell(v) for v in row] for row in shown.first.itertuples(index=False)]
    header = ["row", "start", "end", "ean", "direction", "tariff", "quantity", "unit", "estimated"]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    for row in [header, *cells]:
        _say("  " + "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip())
    _say("totals per EAN, direction, tariff, unit:")
    for total in shown.totals:
        rows = f"{total.rows:,} row{'s' if total.rows != 1 else ''}"
        line = f"  {one_line(total.ean)} {one_line(total.direction)} {one_line(total.tariff)}: {rows}, "
        line += f"total {plain_number(total.total)} {one_line(total.unit)}"
        _say(line + (f" ({total.unreadable:,} without a quantity)" if total.unreadable else ""))
    lengths = ", ".join(f"{_duration(length)}: {count:,} rows" for length, count in shown.intervals)
    _say(f"interval lengths: {lengths or 'none'}")
    _say(f"gaps: {shown.gaps:,}, each in the notes below" if shown.gaps else "gaps: none")
    for twice in shown.doubled:
        rows = ", ".join(map(str, twice.rows)) + (", ..." if twice.times > len(twice.rows) > 1 else "")
        _say(
            f"intervals read more than once in {one_line(twice.series)}: {twice.count:,}, the first from "
            f"{format_moment(twice.first_start)} to {format_moment(twice.first_end)} {twice.times:,} times "
            f"(row{'s' if len(twice.rows) > 1 else ''} {rows}): its use counts that often; two channels of the same "
            "carrier, direction, tariff and unit, or rows exported twice?"
        )
    if not shown.clock_days:
        _say("clock-change days: none in the file")
    for day in shown.clock_days:
        verdict = "complete" if day.complete else "INCOMPLETE: an hour lost or doubled? check time.formats and marks"
        _say(
            f"clock-change day {day.day} ({plain_number(day.day_hours)} h) in {one_line(day.series)}: "
            f"{plain_number(day.hours)} h of data, {verdict}"
        )
    if shown.notes:
        _say("notes:")
    for note in shown.notes:
        _say(f"  note: {one_line(note)}")
