"""The EAN of each meter row, and the carrier (electricity, gas) an EAN or a layout belongs to.

Some exports do not carry the connection's EAN (it is only in the file name, or nowhere), so the user
gives it: `ean="871687120000000004"`, or for an export with electricity and gas
`ean=["electricity=871687120000000004", "gas=871687140000000002"]` (the command line's `--ean` given
twice), or a mapping `{"electricity": ..., "gas": ...}`. A plain EAN is assigned to the only carrier
of the file, or by its prefix: 871687120... is electricity and 871687140... gas (the numbering of the
Dutch grid operators' EAN ranges used in these exports); an EAN outside those ranges needs the carrier
written before it. A file's own valid EAN always wins (own_eans, row_eans): the one meter rule of
parse and ingest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, TypeAlias

import numpy as np
import pandas as pd

from footprint.ean import ean_check_digit_valid, ean_problem
from footprint.errors import InputFileError, UsageError
from footprint.sources.notes import Note
from footprint.sources.text_head import normalise_key
from footprint.sources.vocabulary import CARRIER_UNITS, CARRIERS

ELECTRICITY: Final = "electricity"
GAS: Final = "gas"
EAN_PREFIX_CARRIERS: Final = {"871687120": ELECTRICITY, "871687140": GAS}
NO_EAN: Final = (
    "no EAN in this file: give it with `footprint parse --ean`, or for ingest assign the file to its meter in "
    "footprint.yaml (meters: - ean: ..., files: [\"<file-name pattern or inbox subfolder>/*\"])"
)


EanOption: TypeAlias = str | Sequence[str] | Mapping[str, str] | None


def _clean_ean(value: str) -> str:
    ean = "".join(value.split())
    problem = ean_problem(ean)
    if problem is not None:
        raise UsageError(f"--ean {problem}")
    return ean


def _carrier_word(word: str, item: str) -> str:
    carrier = CARRIERS.get(normalise_key(word))
    if carrier is None:
        raise UsageError(f"--ean {item!r}: unknown carrier {word!r}; write electricity=<EAN> or gas=<EAN>")
    return carrier


def parse_ean_option(option: EanOption) -> list[tuple[str | None, str]]:
    """(carrier or None, EAN) pairs from what the user gave; a malformed EAN is a UsageError."""
    if option is None:
        return []
    if isinstance(option, Mapping):
        return [(_carrier_word(str(k), f"{k}={v}"), _clean_ean(str(v))) for k, v in option.items()]
    items = [option] if isinstance(option, str) else list(option)
    pairs: list[tuple[str | None, str]] = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            if "=" in part:
                word, _, code = part.partition("=")
                pairs.append((_carrier_word(word, part), _clean_ean(code)))
            else:
                pairs.append((None, _clean_ean(part)))
    return pairs


def carrier_by_prefix(ean: str) -> str | None:
    return next((carrier for prefix, carrier in EAN_PREFIX_CARRIERS.items() if ean.startswith(prefix)), None)


def _prefix_of(ean: str) -> str:
    return next(prefix for prefix in EAN_PREFIX_CARRIERS if ean.startswith(prefix))


def _carrier_hint(carriers: Sequence[str]) -> str:
    if len(carriers) > 1:
        wanted = " ".join(f"--ean {c}=<EAN>" for c in carriers)
        return f" (this export holds {' and '.join(carriers)}: {wanted})"
    return ""


class Assigned(list[str]):
    """The meters footprint.yaml assigns a file to (meters[].files), as `carrier=EAN` items.

    Unlike EANs a person gives for one file, an assignment may name more carriers than the file
    holds (a pattern shared by a site's electricity and gas exports): those are passed over.
    """


def assign_eans(option: EanOption, carriers: Sequence[str], path: object) -> dict[str, str]:
    """The EAN of each carrier the file holds (electricity, gas), from what the user gave.

    Raises InputFileError when an EAN is missing, belongs to a carrier the file does not hold (but
    for an Assigned option, see there), or cannot be placed; UsageError when an EAN is malformed.
    """
    pairs = parse_ean_option(option)
    if isinstance(option, Assigned):
        pairs = [(carrier, ean) for carrier, ean in pairs if carrier is None or carrier in carriers]
    if not pairs:
        raise InputFileError(path, NO_EAN + _carrier_hint(carriers), column="EAN")
    assigned: dict[str, str] = {}

    def put(carrier: str, ean: str, how: str) -> None:
        if carrier not in carriers:
            raise InputFileError(
                path,
                f"EAN {ean} is {how} a {carrier} connection, but this file holds {' and '.join(carriers)} data"
                + (
                    f"; if the EAN is right, write --ean {carriers[0]}={ean}"
                    if how.startswith("by its prefix") and len(carriers) == 1
                    else ""
                ),
                column="EAN",
            )
        if assigned.get(carrier, ean) != ean:
            raise InputFileError(path, f"two EANs for the {carrier} data: {assigned[carrier]} and {ean}", column="EAN")
        assigned[carrier] = ean

    plain = [ean for carrier, ean in pairs if carrier is None]
    for carrier, ean in pairs:
        if carrier is not None:
            put(carrier, ean, "given as")
    for ean in plain:
        by_prefix = carrier_by_prefix(ean)
        open_carriers = [c for c in carriers if c not in assigned]
        if by_prefix is not None:
            put(by_prefix, ean, f"by its prefix {_prefix_of(ean)}")
        elif len(open_carriers) == 1 and len(plain) == 1:
            assigned[open_carriers[0]] = ean
        else:
            raise InputFileError(
                path,
                f"cannot tell which carrier EAN {ean} belongs to: write --ean electricity=<EAN> or --ean gas=<EAN>",
                column="EAN",
            )
    missing = [c for c in carriers if c not in assigned]
    if missing:
        raise InputFileError(
            path, f"no EAN for the {missing[0]} data in this file: give it with --ean {missing[0]}=<EAN>", column="EAN"
        )
    return assigned


def eans_by_carrier(option: EanOption, carriers: Sequence[str], path: object) -> tuple[dict[str, str], list[Note]]:
    """assign_eans for the carriers a file's rows hold (none: no EAN needed), and the note saying which went where."""
    codes = assign_eans(option, carriers, path) if carriers else {}
    if not codes:
        return codes, []
    return codes, [Note("carrier", "; ".join(f"{c} ({CARRIER_UNITS[c]}): EAN {codes[c]}" for c in carriers))]


def carrier_of_given_ean(option: EanOption, path: object) -> tuple[str, str, str]:
    """For a layout that does not tell electricity from gas: (carrier, EAN, how it was decided)."""
    pairs = parse_ean_option(option)
    if not pairs:
        raise InputFileError(path, NO_EAN, column="EAN")
    if len(pairs) > 1:
        raise InputFileError(path, "one EAN per file: this export holds one connection", column="EAN")
    carrier, ean = pairs[0]
    if carrier is not None:
        return carrier, ean, f"given as --ean {carrier}={ean}"
    by_prefix = carrier_by_prefix(ean)
    if by_prefix is None:
        raise InputFileError(
            path,
            f"this layout does not say whether it is electricity or gas, and EAN {ean} is not in the "
            f"{'/'.join(EAN_PREFIX_CARRIERS)} ranges: write --ean electricity={ean} or --ean gas={ean}",
            column="EAN",
        )
    return by_prefix, ean, f"EAN {ean} starts with {_prefix_of(ean)}"


def selected_eans(eans: pd.Series, option: EanOption, path: object) -> np.ndarray:
    """For a file that names its EANs: which rows to keep (all without `option`, else those EANs)."""
    pairs = parse_ean_option(option)
    if not pairs:
        return np.ones(len(eans), dtype=bool)
    wanted = {ean for _, ean in pairs}
    present = set(eans.dropna().unique())
    absent = sorted(wanted - present)
    if absent:
        listed = ", ".join(sorted(present)[:10]) or "none"
        raise InputFileError(path, f"EAN {absent[0]} is not in this file (it holds: {listed})", column="EAN")
    return eans.isin(wanted).fillna(False).to_numpy(dtype=bool)


def own_eans(values: pd.Series) -> pd.Series:
    """The file's own EAN per row where the cell holds one (18 digits, a check digit that holds, not one digit
    repeated); <NA> where it holds a placeholder (XXXXXXXXXXXXXXXXXX, a masked or made-up code) or nothing."""
    text = values.astype("string").str.strip()
    return text.where(ean_check_digit_valid(text).fillna(False).astype(bool)).astype("string")


def row_eans(
    values: pd.Series, option: EanOption, path: object, carriers: pd.Series | None = None
) -> pd.Series:
    """Each row's EAN by the one meter rule of parse and ingest.

    The file's own EAN counts where it is one (see own_eans). Rows without one take what the user
    gave (`--ean`, or the footprint.yaml assignment the pipeline passes as `ean`), placed by the rows'
    carrier ("electricity"/"gas", None when the layout does not say). A file where no row names a
    meter and nothing was given is refused with the routes that give it one; where only some rows
    lack it, those keep their cell as written, so validation quarantines each with its value.
    """
    own = own_eans(values)
    lacking = own.isna().to_numpy()
    if not lacking.any():
        return own
    pairs = parse_ean_option(option)
    if not pairs:
        if lacking.all():
            shown = next((v for v in values.astype("string").dropna().str.strip() if v), None)
            what = f"the EAN column holds {ean_problem(shown)}; " if shown else ""
            raise InputFileError(path, what + NO_EAN, column="EAN")
        return own.mask(pd.Series(lacking, index=own.index), values.astype("string").str.strip())
    if carriers is None:
        if len(pairs) > 1:
            raise InputFileError(path, "one EAN per file: this export holds one connection", column="EAN")
        filled = pd.Series(pairs[0][1], index=own.index, dtype="string")
    else:
        needed = sorted(set(carriers[lacking].dropna()))
        assigned = assign_eans(option, needed, path) if needed else {}
        filled = carriers.map(assigned).astype("string")
    return own.mask(pd.Series(lacking, index=own.index), filled)


def unit_of(carrier: str) -> str:
    return CARRIER_UNITS[carrier]
