"""Reading machinery shared by the source formats: decoding, header lookup, vectorised cell conversion.

Cells are converted a column at a time (pyarrow reads the CSV, DuckDB converts numbers and
timestamps, low-cardinality text is mapped through its distinct values) so a file with millions of
15-minute rows parses in seconds. A cell that cannot be read becomes missing, never an exception:
validation quarantines it by row and column. Only whole-file problems raise InputFileError.
"""

from __future__ import annotations

import codecs
import csv
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from footprint.config import normalise_plate
from footprint.errors import InputFileError
from footprint.schemas import LOCAL_TZ
from footprint.sources import sheets
from footprint.sources.limits import check_text_lines

HEAD_BYTES: Final = 64 * 1024
HEADER_SEARCH_LINES: Final = 30
SEPARATOR: Final = ";"
SEPARATORS: Final = (";", ",", "\t")  # what spreadsheet programs write when a user re-saves an export
MISSING_MARKERS: Final = frozenset({"", "-"})
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_BOM: Final = codecs.BOM_UTF8


@dataclass(frozen=True)
class Column:
    """A column of a provider's header: the spelling we write, and spellings we also accept."""

    header: str
    required: bool = True
    aliases: tuple[str, ...] = ()

    @cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset(normalise_name(h) for h in (self.header, *self.aliases))

    def accepts(self, name: str) -> bool:
        return normalise_name(name) in self._keys


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text, one array per declared column, with the line each row sits on."""

    path: Path
    header_line: int
    source_row: np.ndarray
    cells: dict[str, pa.Array]
    present: frozenset[str] = frozenset()
    preamble: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.source_row)

    def __getitem__(self, header: str) -> pa.Array:
        return self.cells[header]


@lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """Header names are matched ignoring case, spaces and punctuation ("Afstand (km)" = "afstand km")."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def normalise_key(value: str) -> str:
    """Cell values that name a category are matched ignoring case and surrounding/duplicate spaces."""
    return " ".join(value.casefold().split())


def split_fields(line: str, separator: str = SEPARATOR) -> list[str]:
    return next(csv.reader([line], delimiter=separator), [])


def _to_utf8(raw: bytes, path: Path) -> bytes:
    """Exports come as UTF-8 (with or without BOM) or Windows-1252; hand pyarrow plain UTF-8."""
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if raw.isascii():
        return raw
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            path,
            f"not readable as text: byte 0x{raw[exc.start]:02x} is neither UTF-8 nor Windows-1252 (cp1252); "
            "save the file as CSV UTF-8",
            row=line,
        ) from None


def _check_text(raw: bytes, path: Path) -> None:
    if not raw[:HEAD_BYTES].strip(b" \t\r\n" + _BOM) and not raw[HEAD_BYTES:].strip():
        raise InputFileError(path, "the file is empty")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputFileError(path, "text encoded as UTF-16 (Excel's 'Unicode text'); save the file as CSV UTF-8")
    if b"\x00" in raw[:HEAD_BYTES]:
        raise InputFileError(path, "a binary file, not a text export (CSV)")


def decode_head(raw: bytes) -> str:
    """Decode the first bytes of a file; a character cut at the end of the sample is dropped."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=False)
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_head(path: Path) -> str:
    """The first few KB of a file as text: what format detection looks at.

    A workbook (xlsx, xls, ods) gives its first sheet's first rows instead, behind a marker line
    (see footprint.sources.sheets): only spreadsheet formats recognise that head.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise InputFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    if sheets.is_workbook_bytes(raw):
        return sheets.sheet_head(path)
    _check_text(raw, path)
    return decode_head(raw)


def text_lines(text: str) -> list[str]:
    """Lines split at CRLF, CR or LF only (never at other characters str.splitlines takes as breaks)."""
    return _LINE_BREAK.split(text)


def head_lines(head: str) -> list[str]:
    # maxsplit: the head is 64 KB, a thousand lines of which only the first few are looked at
    return _LINE_BREAK.split(head, maxsplit=HEADER_SEARCH_LINES)[:HEADER_SEARCH_LINES]


def find_header(lines: Sequence[str], signature: Sequence[Column], separator: str = SEPARATOR) -> int | None:
    """Index of the first line whose fields include every signature column (exports may have a preamble)."""
    for index, line in enumerate(lines):
        if separator not in line:
            continue
        fields = split_fields(line, separator)
        if all(any(column.accepts(f) for f in fields) for column in signature):
            return index
    return None


def locate_header(
    lines: Sequence[str], signature: Sequence[Column], separator: str = SEPARATOR
) -> tuple[int, str] | None:
    """The header line and its separator: the format's own first, then those files are re-saved with."""
    for candidate in (separator, *(s for s in SEPARATORS if s != separator)):
        index = find_header(lines, signature, candidate)
        if index is not None:
            return index, candidate
    return None


def sniff_header(head: str, signature: Sequence[Column], separator: str = SEPARATOR) -> bool:
    """Whether a text export's header carries the signature; a workbook's head (NUL marker) never does."""
    if head.startswith("\x00"):
        return False
    return locate_header(head_lines(head), signature, separator) is not None


def _read_csv(
    data: bytes, skip_rows: int, names: list[str], threads: bool, separator: str = SEPARATOR
) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    invalid: list[tuple[int | None, str]] = []

    def keep_aside(row: Any) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(skip_rows=skip_rows, column_names=names, use_threads=threads),
        parse_options=pacsv.ParseOptions(delimiter=separator, ignore_empty_lines=False, invalid_row_handler=keep_aside),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )
    return table, invalid


def _with_ragged_rows(
    table: pa.Table, invalid: list[tuple[int | None, str]], first_line: int, separator: str = SEPARATOR
) -> tuple[pa.Table, np.ndarray]:
    """Put rows with too few or too many fields back in place, cut or padded to the header's width.

    pyarrow sets such rows aside; dropping them would lose data and shift every line number after them.
    """
    names = table.column_names
    width = len(names)
    if not invalid:
        return table, np.arange(first_line, first_line + table.num_rows, dtype=np.int64)
    bad_lines = np.array([number for number, _ in invalid], dtype=np.int64)
    padded = [(split_fields(text, separator) + [""] * width)[:width] for _, text in invalid]
    bad = pa.table({name: pa.array([row[i] for row in padded], pa.string()) for i, name in enumerate(names)})
    total = table.num_rows + len(invalid)
    good_lines = np.setdiff1d(np.arange(first_line, first_line + total, dtype=np.int64), bad_lines)
    lines = np.concatenate([good_lines, bad_lines])
    order = np.argsort(lines, kind="stable")
    merged = pa.concat_tables([table.combine_chunks(), bad]).take(pa.array(order))
    return merged, lines[order]


def _without_blank_lines(table: pa.Table, source_row: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Blank lines (every field empty) are layout, not data rows; their line numbers stay skipped."""
    if table.num_rows == 0 or not pc.any(pc.equal(pc.binary_length(table.column(0)), 0)).as_py():
        return table, source_row
    length = pc.binary_length(table.column(0))
    for name in table.column_names[1:]:
        length = pc.add(length, pc.binary_length(table[name]))
    keep = pc.greater(length, 0)
    return table.filter(keep), source_row[keep.to_numpy(zero_copy_only=False)]


def read_text_bytes(path: Path) -> bytes:
    """A text export's bytes as UTF-8 without BOM; empty, binary, undecodable or too long files raise InputFileError."""
    try:
        check_text_lines(path)
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    _check_text(raw, path)
    return _to_utf8(raw, path)


def read_table(
    path: Path,
    format_name: str,
    columns: Sequence[Column],
    signature: Sequence[Column],
    separator: str = SEPARATOR,
) -> RawTable:
    """Read a `;`-separated (or `separator`-separated) export into text cells keyed by each declared column's header.

    Raises InputFileError for whole-file problems: empty, undecodable, no header, a required column missing.
    """
    data = read_text_bytes(path)
    if not data.endswith((b"\n", b"\r")):
        data += b"\n"  # pyarrow cannot skip a header line that has no line end (a header-only export)
    lines = head_lines(decode_head(data[:HEAD_BYTES]))
    located = locate_header(lines, signature, separator)
    if located is None:
        wanted = ", ".join(repr(c.header) for c in signature)
        raise InputFileError(path, f"no header line with the columns {wanted}: not a {format_name} file")
    header_index, separator = located
    header_line = header_index + 1
    fields = split_fields(lines[header_index], separator)
    positions: dict[str, int] = {}
    for column in columns:
        found = next((i for i, name in enumerate(fields) if column.accepts(name)), None)
        if found is not None:
            positions[column.header] = found
        elif column.required:
            needed = ", ".join(c.header for c in columns if c.required)
            raise InputFileError(
                path,
                f"missing column {column.header!r}: a {format_name} file needs {needed}",
                row=header_line,
                column=column.header,
            )
    names = [f"c{i}" for i in range(len(fields))]
    table, invalid = _read_csv(data, header_line, names, threads=True, separator=separator)
    if invalid:
        table, invalid = _read_csv(data, header_line, names, threads=False, separator=separator)
    table, source_row = _with_ragged_rows(table, invalid, header_line + 1, separator)
    table, source_row = _without_blank_lines(table, source_row)
    cells = {
        column.header: (
            table[names[positions[column.header]]].combine_chunks()
            if column.header in positions
            else pa.nulls(table.num_rows, pa.string())
        )
        for column in columns
    }
    preamble = {
        normalise_name(parts[0]): parts[1].strip()
        for parts in (split_fields(line, separator) for line in lines[:header_index])
        if len(parts) >= 2
    }
    return RawTable(
        path=path,
        header_line=header_line,
        source_row=source_row,
        cells=cells,
        present=frozenset(positions),
        preamble=preamble,
    )


_local = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per thread: connections are not shared across threads."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        _local.con = con
    return con


def _sql(query: str, **arrays: pa.Array) -> pa.Table:
    """Run a query over the given arrays, visible to it as the table `cells`."""
    return _duckdb().from_arrow(pa.table(arrays)).query("cells", query).to_arrow_table()


_PLAIN_NUMBER: Final = r"\s*[+-]?\d+(,\d+)?\s*"
_DUTCH_NUMBER: Final = r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?"
_POINT_NUMBER: Final = r"[+-]?\d*\.\d+"
# Written with an exponent ("1,5e3", "1e400"), or as an infinity: kept as read, an overflow as infinity,
# so that validation quarantines it by its bounds instead of loading a missing value.
_EXPONENT_NUMBER: Final = r"[+-]?(\d+([.,]\d+)?|[.,]\d+)[eE][+-]?\d+"
_POINT_EXPONENT_NUMBER: Final = r"[+-]?(\d+(\.\d+)?|\.\d+)[eE][+-]?\d+"
_INFINITY: Final = r"[+-]?(inf|infinity)"
_BARE_NUMBER: Final = r"^[+-]?\d+(,\d+)?$"  # a _PLAIN_NUMBER without spaces


def _all_match(values: pa.Array, pattern: str) -> bool:
    """Whether every value is present and matches: the condition for a fast path with no per-row fallback."""
    return len(values) > 0 and values.null_count == 0 and pc.all(pc.match_substring_regex(values, pattern)).as_py()


def decimal(values: pa.Array) -> np.ndarray:
    """Dutch numbers: decimal comma, a dot before three digits groups thousands ("1.250,5").

    A value with a dot and no comma that is not a thousands grouping reads the dot as decimal point
    ("45.23"); an exponent ("1,5e3") is read, and a number too large for a float (1e400) or written
    as infinity is +-inf, for validation to quarantine by its bounds. Anything else ("abc", "-", "",
    "nan", "1_000") is NaN: missing.
    """
    if _all_match(values, _BARE_NUMBER):
        # Interval exports hold millions of bare "0,806": Arrow reads them without a DuckDB round trip.
        try:
            numbers = pc.cast(pc.replace_substring(values, ",", "."), pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            pass
        else:
            return numbers
    result = _sql(
        f"""
        SELECT CASE
            WHEN regexp_full_match(v, '{_PLAIN_NUMBER}') THEN TRY_CAST(replace(v, ',', '.') AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_DUTCH_NUMBER}')
                THEN TRY_CAST(replace(replace(trim(v), '.', ''), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_POINT_NUMBER}') THEN TRY_CAST(trim(v) AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_EXPONENT_NUMBER}') THEN TRY_CAST(replace(trim(v), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(lower(trim(v)), '{_INFINITY}') THEN TRY_CAST(trim(v) AS DOUBLE)
        END AS n
        FROM cells
        """,
        v=values,
    )
    return result["n"].to_numpy(zero_copy_only=False).astype(np.float64)


_POINT_DECIMAL: Final = r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|[+-]?\.\d+"
_SIGNED_DIGITS: Final = r"[+-]?\d+|\d+[+-]"


def point_decimal(values: pa.Array) -> np.ndarray:
    """Numbers with a decimal point ("62.35", "-1250.5"); a comma before three digits groups thousands.

    For exports in English conventions; an exponent or infinity is read as decimal() reads it; anything
    else ("abc", "62,35", "nan") is NaN.
    """
    result = _sql(
        f"""
        SELECT CASE
            WHEN regexp_full_match(trim(v), '{_POINT_DECIMAL}') THEN TRY_CAST(replace(trim(v), ',', '') AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_POINT_EXPONENT_NUMBER}') THEN TRY_CAST(trim(v) AS DOUBLE)
            WHEN regexp_full_match(lower(trim(v)), '{_INFINITY}') THEN TRY_CAST(trim(v) AS DOUBLE)
        END AS n
        FROM cells
        """,
        v=values,
    )
    return result["n"].to_numpy(zero_copy_only=False).astype(np.float64)


def scaled_integer(values: pa.Array, scale: float) -> np.ndarray:
    """Digits counting a small unit, signed before or after the number: with scale 0.01, "0000011591-" is -115.91.

    Fixed-width exports write amounts in whole cents and put the sign last; anything else is NaN, and
    more digits than a float holds are +-inf.
    """
    result = _sql(
        f"""
        SELECT CASE WHEN regexp_full_match(trim(v), '{_SIGNED_DIGITS}')
            THEN TRY_CAST(regexp_replace(trim(v), '[+-]', '', 'g') AS DOUBLE)
                * CASE WHEN contains(v, '-') THEN -1 ELSE 1 END END AS n
        FROM cells
        """,
        v=values,
    )
    numbers = result["n"].to_numpy(zero_copy_only=False).astype(np.float64)
    divisor = 1 / scale
    # Dividing by 100 gives 14.95 where multiplying by 0.01 gives 14.950000000000001.
    return numbers / round(divisor) if abs(divisor - round(divisor)) < 1e-9 else numbers * scale


def integer(values: pa.Array) -> pd.Series:
    """The first run of digits ("3", "Cat. 3", "categorie 3") as Int64; none is <NA>."""
    result = _sql(r"SELECT TRY_CAST(NULLIF(regexp_extract(v, '\d+'), '') AS BIGINT) AS n FROM cells", v=values)
    return pd.Series(pd.array(result["n"].to_pylist(), dtype="Int64"))


_OFFSET_FORMATS: Final = ("%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z")
_ISO_WITH_OFFSET: Final = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?([+-]\d\d:\d\d|Z)$"
DATE_FORMATS: Final = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
TIME_FORMATS: Final = ("%H:%M", "%H:%M:%S")
# Years outside this window are misreadings (DuckDB's %Y takes "24" as the year 24), not activity.
PLAUSIBLE_YEARS: Final = range(1900, 2200)


def _plausible(moments: pd.Series) -> pd.Series:
    first = pd.Timestamp(PLAUSIBLE_YEARS.start, 1, 1)
    end = pd.Timestamp(PLAUSIBLE_YEARS.stop, 1, 1)
    if isinstance(moments.dtype, pd.DatetimeTZDtype):
        first, end = first.tz_localize(moments.dt.tz), end.tz_localize(moments.dt.tz)
    return moments.where((moments >= first) & (moments < end))


def _formats(formats: Sequence[str]) -> str:
    return "[" + ", ".join(f"'{f}'" for f in formats) + "]"


def strptime_each(expression: str, formats: Sequence[str]) -> str:
    """SQL trying the formats one at a time. Given a list of formats with %z, DuckDB 1.5's
    TRY_STRPTIME rolls an impossible date over (31-02 becomes 03-03) instead of returning NULL."""
    return "COALESCE(" + ", ".join(f"TRY_STRPTIME({expression}, '{f}')" for f in formats) + ")"


def instant(values: pa.Array) -> pd.Series:
    """ISO-8601 timestamps to aware Europe/Amsterdam time.

    With a UTC offset ("+01:00", "Z") the instant is unambiguous, which is how interval exports keep
    the 25-hour day apart. Without one the time is local: the doubled and the skipped hour are NaT.
    """
    if _all_match(values, _ISO_WITH_OFFSET):
        # The interval exports' own form: Arrow reads it as DuckDB does, without a query per file.
        try:
            utc = pc.cast(values, pa.timestamp("us", "UTC"))
        except pa.ArrowInvalid:
            pass  # an impossible date or hour (31-02, 24:00): DuckDB's rules below decide
        else:
            return _plausible(utc.to_pandas().dt.tz_convert(LOCAL_TZ))
    first = _sql(
        """
        SELECT aware, epoch_us(aware) = epoch_us(TRY_CAST(v AS TIMESTAMP)) AS reads_as_utc
        FROM (SELECT v, TRY_CAST(v AS TIMESTAMPTZ) AS aware FROM cells)
        """,
        v=values,
    )
    aware = first["aware"].to_pandas().dt.tz_convert(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]")
    # DuckDB reads a value without offset as UTC: find those and place them in local time instead.
    reads_as_utc = first["reads_as_utc"].fill_null(False).to_numpy(zero_copy_only=False)
    if reads_as_utc.any():
        rows = np.flatnonzero(reads_as_utc)
        written_utc = pc.match_substring_regex(values.take(rows), r"(Z|[+-]00(:?00)?)\s*$")
        rows = rows[~written_utc.fill_null(False).to_numpy(zero_copy_only=False)]
        if len(rows):
            naive = _sql("SELECT TRY_CAST(v AS TIMESTAMP) AS t FROM cells", v=values.take(rows))["t"].to_pandas()
            local = naive.dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT")
            aware.iloc[rows] = local.astype(f"datetime64[us, {LOCAL_TZ}]").array
    unread = aware.isna().to_numpy() & pc.greater(pc.binary_length(values), 0).fill_null(False).to_numpy(
        zero_copy_only=False
    )
    if unread.any():
        rows = np.flatnonzero(unread)
        retry = _sql(f"SELECT {strptime_each('trim(v)', _OFFSET_FORMATS)} AS t FROM cells", v=values.take(rows))[
            "t"
        ].to_pandas()
        aware.iloc[rows] = retry.dt.tz_convert(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]").array
    return _plausible(aware)


def local_date(values: pa.Array, formats: Sequence[str] = DATE_FORMATS, *, any_year: bool = False) -> pd.Series:
    """Calendar dates (dd-mm-yyyy first) as naive midnight timestamps; unreadable or impossible dates are NaT.

    any_year keeps a year outside PLAUSIBLE_YEARS (0001, 9999) for validation to name: for a month
    written in full (a statement's Periode), where a two-digit year cannot be misread.
    """
    result = _sql(f"SELECT TRY_STRPTIME(trim(v), {_formats(formats)}) AS d FROM cells", v=values)
    dates = result["d"].to_pandas()
    return (dates if any_year else _plausible(dates)).astype("datetime64[s]")


def local_datetime(
    dates: pa.Array,
    times: pa.Array,
    date_formats: Sequence[str] = DATE_FORMATS,
    time_formats: Sequence[str] = TIME_FORMATS,
) -> pd.Series:
    """A local date plus a wall-clock time to aware Europe/Amsterdam time.

    A missing time counts as midnight (the date still places the row in its month); a time that is
    present but unreadable makes the whole value NaT. A time in the skipped spring hour is read as a
    clock not yet put forward (02:30 is 03:30 summer time); one in the doubled autumn hour takes the
    first (summer-time) occurrence.
    """
    formats = [f"{d} {t}" for d in date_formats for t in time_formats]
    result = _sql(
        f"""
        SELECT CASE WHEN coalesce(nullif(trim(t), ''), '-') = '-'
            THEN TRY_STRPTIME(trim(d), {_formats(date_formats)})
            ELSE TRY_STRPTIME(trim(d) || ' ' || trim(t), {_formats(formats)})
        END AS at
        FROM cells
        """,
        d=dates,
        t=times,
    )
    naive = _plausible(result["at"].to_pandas())
    first_occurrence = np.ones(len(naive), dtype=bool)
    return naive.dt.tz_localize(LOCAL_TZ, ambiguous=first_occurrence, nonexistent=pd.Timedelta(hours=1)).astype(
        f"datetime64[us, {LOCAL_TZ}]"
    )


def at_local_midnight(dates: pd.Series) -> pd.Series:
    """Naive calendar dates to the aware instant their day starts in Amsterdam (never a DST gap)."""
    return dates.dt.tz_localize(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]")


def month_start(moments: pd.Series) -> np.ndarray:
    """First day of the local calendar month, as the naive datetime64[s] the `period` column holds."""
    if isinstance(moments.dtype, pd.DatetimeTZDtype):
        moments = moments.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return moments.to_numpy(dtype="datetime64[s]").astype("datetime64[M]").astype("datetime64[s]")


_PANDAS_TYPES: Final = {
    pa.string(): pd.StringDtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def _map_distinct(values: pa.Array, convert: Callable[[str | None], Any], arrow_type: pa.DataType) -> pd.Series:
    """Apply a per-value rule once per distinct value, then spread the results over the rows."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.to_pylist()
    converted = pa.array([convert(v) for v in distinct] + [None], type=arrow_type)
    codes = encoded.indices.fill_null(len(distinct))
    return pd.Series(converted.take(codes).to_pandas(types_mapper=_PANDAS_TYPES.get))


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = " ".join(value.split())
    return None if stripped in MISSING_MARKERS else stripped


def text(values: pa.Array) -> pd.Series:
    """Free text, trimmed; empty and `-` are missing."""
    return _map_distinct(values, clean_text, pa.string())


def lookup(values: pa.Array, mapping: Mapping[str, Any], missing: Any = None) -> pd.Series:
    """Translate a provider's words to canonical codes (case-insensitive); unknown words are <NA>.

    `missing` is what an empty or `-` cell becomes (default <NA>). The result's dtype follows the
    mapping's values: string, boolean or Float64.
    """
    keys = {normalise_key(k): v for k, v in mapping.items()}
    arrow_type = pa.array(list(mapping.values())[:1]).type

    def convert(value: str | None) -> Any:
        cleaned = clean_text(value)
        if cleaned is None:
            return missing
        return keys.get(normalise_key(cleaned))

    return _map_distinct(values, convert, arrow_type)


def quantity_in_unit(
    quantities: pa.Array, units: pa.Array, mapping: Mapping[str, tuple[str, float]]
) -> tuple[np.ndarray, pd.Series]:
    """Quantities in the canonical unit (MWh becomes kWh x 1000) and that unit.

    A unit not in the mapping leaves the number as written and the unit <NA>, so the row is
    quarantined for its unit and the quality officer still sees the figure.
    """
    canonical = lookup(units, {word: unit for word, (unit, _) in mapping.items()})
    factor = lookup(units, {word: multiplier for word, (_, multiplier) in mapping.items()})
    return decimal(quantities) * factor.to_numpy(dtype="float64", na_value=1.0), canonical


def plate(values: pa.Array) -> pd.Series:
    """Licence plates by footprint.config's rule (upper case, no dashes), applied once per distinct plate."""

    def convert(value: str | None) -> str | None:
        cleaned = clean_text(value)
        return normalise_plate(cleaned) or None if cleaned is not None else None

    return _map_distinct(values, convert, pa.string())


def constant(value: Any, length: int, dtype: str) -> pd.Series:
    return pd.Series(value, index=pd.RangeIndex(length), dtype=dtype)
