"""The words providers use, mapped to footprint's canonical codes (matched ignoring case and spacing).

A word not listed here becomes <NA> in the parsed table, so validation quarantines the row and the
quality officer sees it: extend these mappings rather than guessing in a parser.
"""

from __future__ import annotations

from typing import Final

DIRECTIONS: Final = {
    "levering": "consumption",
    "afname": "consumption",
    "verbruik": "consumption",
    "consumption": "consumption",
    "teruglevering": "feed_in",
    "terug levering": "feed_in",
    "invoeding": "feed_in",
    "feed-in": "feed_in",
    "feed_in": "feed_in",
    "opwek": "generation",
    "opwekking": "generation",
    "productie": "generation",
    "generation": "generation",
}

TARIFFS: Final = {
    "normaal": "high",
    "hoog": "high",
    "piek": "high",
    "t2": "high",
    "high": "high",
    "dal": "low",
    "laag": "low",
    "t1": "low",
    "low": "low",
    "enkel": "single",
    "totaal": "single",
    "single": "single",
}

ESTIMATED: Final = {
    "gemeten": False,
    "meting": False,
    "werkelijk": False,
    "measured": False,
    "geschat": True,
    "schatting": True,
    "berekend": True,
    "estimated": True,
}

# Unit as written -> (canonical unit, multiplier to it).
METER_UNITS: Final = {
    "kwh": ("kWh", 1.0),
    "mwh": ("kWh", 1000.0),
    "m3": ("m3", 1.0),
    "m³": ("m3", 1.0),
    "nm3": ("m3", 1.0),
    "gj": ("GJ", 1.0),
    "mj": ("GJ", 0.001),
}

# Energy carriers of a grid connection, as a user names them in `--ean carrier=EAN` and providers in a
# type column (Engie: "Elektriciteit", "Gas"). Canonical: electricity, gas.
CARRIERS: Final = {
    "electricity": "electricity",
    "elektriciteit": "electricity",
    "stroom": "electricity",
    "e": "electricity",
    "gas": "gas",
    "aardgas": "gas",
    "g": "gas",
}

# The canonical unit a carrier's usage is metered in.
CARRIER_UNITS: Final = {"electricity": "kWh", "gas": "m3"}

# A peak flag (Engie's "Piek"): peak hours are the high (normal) tariff, the rest the low one.
PEAK_FLAGS: Final = {
    "true": "high",
    "1": "high",
    "ja": "high",
    "yes": "high",
    "false": "low",
    "0": "low",
    "nee": "low",
    "no": "low",
}

# A "Geschat?" (estimated?) column: Y/N, J/N, Ja/Nee.
YES_NO: Final = {
    "y": True,
    "j": True,
    "ja": True,
    "yes": True,
    "true": True,
    "n": False,
    "nee": False,
    "no": False,
    "false": False,
}

# Column groups of a supplier's energy overview workbook (Eneco, Oxxio): the text before "[unit]".
OVERVIEW_GROUPS: Final = {
    "stroom": ("electricity", "consumption"),
    "elektriciteit": ("electricity", "consumption"),
    "stroom teruglevering": ("electricity", "feed_in"),
    "elektriciteit teruglevering": ("electricity", "feed_in"),
    "teruglevering": ("electricity", "feed_in"),
    "gas": ("gas", "consumption"),
}

FUEL_UNITS: Final = {
    "l": "l",
    "ltr": "l",
    "lt": "l",
    "liter": "l",
    "liters": "l",
    "litre": "l",
    "litres": "l",
    "kg": "kg",
    "kilo": "kg",
    "kilogram": "kg",
    "kwh": "kWh",
    "st": "pcs",
    "st.": "pcs",
    "stk": "pcs",
    "stuk": "pcs",
    "stuks": "pcs",
    "pcs": "pcs",
    "pc": "pcs",
    "x": "pcs",
}

DATA_QUALITY: Final = {
    "primair": "primary",
    "primary": "primary",
    "secundair": "secondary",
    "secondary": "secondary",
}

TRANSPORT: Final = {
    "auto": "private_car",
    "eigen auto": "private_car",
    "privéauto": "private_car",
    "prive auto": "private_car",
    "car": "private_car",
    "trein": "train",
    "ns": "train",
    "train": "train",
}

# Fuel of a privately owned car, carried in `description` of private_car rows.
CAR_FUELS: Final = {
    "benzine": "petrol",
    "euro 95": "petrol",
    "petrol": "petrol",
    "diesel": "diesel",
    "elektrisch": "electric",
    "ev": "electric",
    "electric": "electric",
    "onbekend": "unknown",
    "unknown": "unknown",
}
