"""How big a raw file footprint reads: a file beyond a limit is refused before it is read whole.

A 714 KB workbook can unpack to 1.8 million rows and several GB of memory (a zip bomb), and one
cell at XFD1048576 makes a spreadsheet reader lay out 17 billion; a CSV of tens of millions of lines
is no monthly export either. The limits are settings (FOOTPRINT_MAX_*, footprint.config.workspace.Settings),
read from the environment when a file is opened, so a refusal can name the setting that raises it.

A workbook is checked from its zip directory and then by streaming each part once, a few MB at a
time: what the parts really unpack to (a part that claims a small size and holds more fails its
checksum), how many rows its sheets hold and how far their cells reach.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Final
from xml.parsers import expat

import numpy as np

from footprint.config.workspace import Settings
from footprint.errors import InputFileError

ROWS_SETTING: Final = "FOOTPRINT_MAX_ROWS_PER_FILE"
UNCOMPRESSED_SETTING: Final = "FOOTPRINT_MAX_XLSX_UNCOMPRESSED_MB"
RATIO_SETTING: Final = "FOOTPRINT_MAX_XLSX_COMPRESSION_RATIO"
# A sheet is laid out from A1 to its farthest cell. It may span as many cells as a workbook within the
# size limit could hold written out, one per this many bytes (a cell in sheet XML takes 20 or more).
BYTES_PER_CELL: Final = 16
# Parts smaller than this are not judged by their compression (styles and themes pack tightly and are small).
RATIO_FLOOR_BYTES: Final = 1_000_000
_CHUNK: Final = 4 * 1024 * 1024
_ZIP_MAGIC: Final = b"PK\x03\x04"
# What zipfile and zlib raise for a damaged or encrypted archive, and int() for an absurd number in it.
_UNREADABLE_ARCHIVE: Final = (
    zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, ValueError, OSError,
    zlib.error,
)
_ODS_CONTENT: Final = "content.xml"
_TAG_ENDS: Final = np.frombuffer(b" \t\r\n>/", dtype=np.uint8)
_PLAIN_REFERENCE: Final = b'r="'
_ANY_REFERENCE: Final = rb"""r\s*=\s*["']"""
_ODD_REFERENCE: Final = re.compile(rb"r\s+=|r=\s|r='")
_MAX_ROW_DIGITS: Final = 12  # a row number this long is refused without being read as a number
_MAX_COLUMN_LETTERS: Final = 12
_ODS_TABLE: Final = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE: Final = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


@dataclass(frozen=True)
class FileLimits:
    uncompressed_mb: float
    compression_ratio: float
    rows: int

    @property
    def uncompressed_bytes(self) -> int:
        return int(self.uncompressed_mb * 1_000_000)

    @property
    def cells(self) -> int:
        return self.uncompressed_bytes // BYTES_PER_CELL

    def rows_refusal(self, counted: str) -> str:
        return f"{counted}, beyond the limit of {self.rows:,} rows per file ({ROWS_SETTING} raises it); not read"


def file_limits() -> FileLimits:
    """The limits as the environment sets them now (a value that is not a number is Settings' ConfigError)."""
    return _limits(tuple(os.environ.get(name) for name in (ROWS_SETTING, UNCOMPRESSED_SETTING, RATIO_SETTING)))


@lru_cache(maxsize=8)
def _limits(values: tuple[str | None, ...]) -> FileLimits:
    """Read once per setting of the three variables: building Settings takes about 5 ms, and a month may
    bring thousands of files."""
    settings = Settings()
    return FileLimits(
        uncompressed_mb=settings.max_xlsx_uncompressed_mb,
        compression_ratio=settings.max_xlsx_compression_ratio,
        rows=settings.max_rows_per_file,
    )


def check_text_lines(path: Path) -> None:
    """Refuse a text file with more lines than rows allowed, counting without keeping more than a chunk."""
    limits = file_limits()
    if path.stat().st_size <= limits.rows:
        return  # a file cannot hold more line breaks than bytes
    lines = 0
    carriage_returns = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            lines += chunk.count(b"\n")
            carriage_returns += chunk.count(b"\r")
            if max(lines, carriage_returns) > limits.rows:
                raise InputFileError(path, limits.rows_refusal(f"more than {limits.rows:,} lines"))


def check_workbook(path: Path) -> None:
    """Refuse a workbook that unpacks beyond the limits, before a spreadsheet reader opens it.

    Checked once per version of the file: format detection and reading open a workbook several times.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise InputFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    _check_workbook(path, stat.st_size, stat.st_mtime_ns, file_limits())


@lru_cache(maxsize=256)
def _check_workbook(path: Path, size: int, mtime_ns: int, limits: FileLimits) -> None:
    with path.open("rb") as handle:
        if handle.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:
            return  # xls: a compound file holds its cells uncompressed, as large as the file itself
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(path, archive, limits)
    except _UNREADABLE_ARCHIVE as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputFileError(path, f"a binary file that is not a readable spreadsheet (xlsx): {reason}") from None


def _check_archive(path: Path, archive: zipfile.ZipFile, limits: FileLimits) -> None:
    parts = [part for part in archive.infolist() if not part.is_dir()]
    declared = sum(part.file_size for part in parts)
    if declared > limits.uncompressed_bytes:
        raise InputFileError(path, _size_refusal(declared, limits))
    for part in parts:
        packed = max(part.compress_size, 1)
        if part.file_size >= RATIO_FLOOR_BYTES and part.file_size > limits.compression_ratio * packed:
            raise InputFileError(
                path,
                f"part {_part_name(part)} unpacks to {part.file_size / packed:,.0f} times its packed size, beyond "
                f"the limit of {limits.compression_ratio:g} ({RATIO_SETTING} raises it): a zip bomb; not read",
            )
    ods = "mimetype" in archive.namelist()
    rows = 0
    for part in parts:
        # Every part is unpacked to its end: one that holds more than it claims fails its checksum, and
        # a sheet may lie under any name (the workbook's relations say where), so each is counted.
        with archive.open(part) as stream:
            count = _ods_extent if ods and part.filename == _ODS_CONTENT else _xlsx_extent
            sheet = count(_chunks(stream))
        rows += sheet.rows
        if rows > limits.rows:
            raise InputFileError(path, limits.rows_refusal(f"its sheets hold {rows:,} rows"))
        if sheet.cells > limits.cells:
            raise InputFileError(
                path,
                f"{_part_name(part)} reaches row {sheet.height:,} and column {sheet.width:,}: {sheet.cells:,} cells to "
                f"lay out, more than the {limits.cells:,} a workbook of {limits.uncompressed_mb:g} MB can hold "
                f"({UNCOMPRESSED_SETTING} raises it); not read",
            )


def _part_name(part: zipfile.ZipInfo) -> str:
    """A part's name as the archive gives it, which its maker chose: letters, digits and / . _ - only, cut short."""
    name = re.sub(r"[^\w./-]", "?", part.filename, flags=re.ASCII)
    return name if len(name) <= 80 else name[:77] + "..."


def _size_refusal(unpacked: int, limits: FileLimits) -> str:
    return (
        f"a workbook that unpacks to {_megabytes(unpacked)} MB, beyond the limit of {limits.uncompressed_mb:g} MB "
        f"({UNCOMPRESSED_SETTING} raises it); not read"
    )


def _megabytes(size: int) -> str:
    """164 MB as 164, 38,924 bytes as 0.0389: enough digits to see it is beyond a small limit too."""
    return f"{size / 1_000_000:,.0f}" if size >= 10_000_000 else f"{size / 1_000_000:.3g}"


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


@dataclass(frozen=True)
class _Extent:
    rows: int  # row elements, each repeat counted
    height: int  # the farthest row a cell is in (an upper bound)
    width: int  # the farthest column (an upper bound)

    @property
    def cells(self) -> int:
        return self.height * self.width


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


class _XlsxCounter:
    """Rows and the farthest cell of an xlsx part, a chunk at a time, without a Python step per row or cell.

    Rows and cells are found as tags (also with a namespace prefix, <x:row>, which readers accept):
    a cell without a reference takes the next column, so a row reaches at least as far as it has
    cells. References (r="XFD1048576") may place a cell anywhere: the farthest column is the largest
    among the references with the most letters, the farthest row among those with the most digits
    (leading zeros aside).
    """

    def __init__(self) -> None:
        self.rows = 0
        self.width = 0
        self.digits = 0  # the most significant digits a row number has had so far
        self.height = 0  # the largest row number with that many digits
        self._rest = b""  # what follows the last ">" so far: a tag is looked at once it is whole
        self._open_cells = 0  # cells of the row still open at the end of what was looked at

    def add(self, chunk: bytes) -> None:
        data = self._rest + chunk
        cut = data.rfind(b">") + 1
        self._rest = data[cut:]
        if cut:
            self._count(data[:cut])

    def extent(self) -> _Extent:
        self._count(self._rest)
        self._rest = b""
        width = max(self.width, self._open_cells)
        return _Extent(rows=self.rows, height=max(self.height, self.rows), width=width)

    def _count(self, part: bytes) -> None:
        rows, cells = _tags(part)
        self.rows += rows.size
        if rows.size:
            starts = np.searchsorted(cells, rows)
            row_cells = np.diff(starts, prepend=0, append=cells.size)
            row_cells[0] += self._open_cells
            self._open_cells = int(row_cells[-1])
            self.width = max(self.width, int(row_cells[:-1].max()))
        else:
            self._open_cells += cells.size
        # r="A1" as every writer puts it, else any XML spelling of the attribute (r = 'a1'): slower to find.
        reference = _ANY_REFERENCE if _ODD_REFERENCE.search(part) else _PLAIN_REFERENCE
        self.width = max(self.width, _part_width(part, reference))
        while longer := re.search(reference + rb"[A-Za-z]*0*([1-9][0-9]{%d,})" % self.digits, part):
            self.digits = len(longer.group(1))
            self.height = 0
        if self.digits > _MAX_ROW_DIGITS:
            self.height = 10 ** _MAX_ROW_DIGITS  # beyond any sheet: no need to read the number
        elif self.digits:
            found = re.findall(reference + rb"[A-Za-z]*0*([1-9][0-9]{%d})(?![0-9])" % (self.digits - 1), part)
            if found:
                self.height = max(self.height, int(max(found)))


def _tags(part: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where rows and cells start: "<row" or ":row", "<c" or ":c", each followed by a space, ">" or "/".

    A closing prefixed tag (</x:row>, </x:c>) is counted too: more than there are, never fewer.
    """
    text = np.frombuffer(part, dtype=np.uint8)
    if text.size < 3:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    opens = (text == ord("<")) | (text == ord(":"))
    ends = np.isin(text, _TAG_ENDS)
    cells = np.flatnonzero(opens[:-2] & (text[1:-1] == ord("c")) & ends[2:])
    if text.size < 5:
        return np.empty(0, np.int64), cells
    rows = np.flatnonzero(
        opens[:-4] & (text[1:-3] == ord("r")) & (text[2:-2] == ord("o")) & (text[3:-1] == ord("w")) & ends[4:]
    )
    return rows, cells


def _part_width(part: bytes, reference: bytes) -> int:
    """The farthest column referenced: the references with the most letters decide, compared among themselves."""
    longest = re.findall(reference + rb"([A-Za-z]{4,})[0-9]", part)  # beyond XFD: never in a real sheet
    if longest:
        return max(_column_number(letters[:_MAX_COLUMN_LETTERS]) for letters in longest)
    for letters in (3, 2, 1):
        found = set(re.findall(reference + rb"([A-Za-z]{%d})[0-9]" % letters, part))
        if found:
            return _column_number(max(found, key=bytes.upper))
    return 0


def _xlsx_extent(chunks: Iterator[bytes]) -> _Extent:
    counter = _XlsxCounter()
    for chunk in chunks:
        counter.add(chunk)
    return counter.extent()


class _OdsCounter:
    """Rows and cells of an ODS content.xml as a reader expands them (table:number-rows-repeated and
    table:number-columns-repeated), trailing empty rows and cells not counted, as readers drop them."""

    def __init__(self) -> None:
        self.rows = 0
        self.height = 0
        self.width = 0
        self._table_rows = 0
        self._row_repeat = 1
        self._column = 0
        self._row_reach = 0
        self._cell_repeat = 1
        self._cell_filled = False
        self._in_cell = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == f"{_ODS_TABLE} table":
            self._table_rows = 0
        elif name == f"{_ODS_TABLE} table-row":
            self._row_repeat = _repeat(attributes.get(f"{_ODS_TABLE} number-rows-repeated"))
            self._column = 0
            self._row_reach = 0
        elif name in (f"{_ODS_TABLE} table-cell", f"{_ODS_TABLE} covered-table-cell"):
            self._cell_repeat = _repeat(attributes.get(f"{_ODS_TABLE} number-columns-repeated"))
            self._cell_filled = f"{_ODS_OFFICE} value-type" in attributes
            self._in_cell = True
        elif self._in_cell:
            self._cell_filled = True

    def end(self, name: str) -> None:
        if name in (f"{_ODS_TABLE} table-cell", f"{_ODS_TABLE} covered-table-cell"):
            self._column += self._cell_repeat
            if self._cell_filled:
                self._row_reach = self._column
            self._in_cell = False
        elif name == f"{_ODS_TABLE} table-row":
            self._table_rows += self._row_repeat
            if self._row_reach:
                self.rows += self._row_repeat
                self.height = max(self.height, self._table_rows)
                self.width = max(self.width, self._row_reach)

    def text(self, data: str) -> None:
        if self._in_cell and data.strip():
            self._cell_filled = True


def _repeat(value: str | None) -> int:
    if value is None or not value.isdigit():
        return 1
    return int(value) if len(value) <= _MAX_ROW_DIGITS else 10**_MAX_ROW_DIGITS


def _ods_extent(chunks: Iterator[bytes]) -> _Extent:
    counter = _OdsCounter()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = counter.start
    parser.EndElementHandler = counter.end
    parser.CharacterDataHandler = counter.text
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise zipfile.BadZipFile(f"content.xml is not XML ({expat.ErrorString(exc.code)})") from None
    return _Extent(rows=counter.rows, height=counter.height, width=counter.width)
