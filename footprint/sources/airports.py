"""Airports by IATA code (footprint/data/airports.csv), and the great-circle distance of a flight leg."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

EARTH_RADIUS_KM: Final = 6371.0


def airports_path() -> Path:
    return Path(str(resources.files("footprint") / "data" / "airports.csv"))


@cache
def airports() -> pd.DataFrame:
    """The shipped airport table (iata, name, city, country, lat, lon), indexed by upper-case IATA code."""
    table = pd.read_csv(airports_path(), dtype={"iata": "string"}, keep_default_na=False)
    return table.assign(iata=table["iata"].str.upper()).set_index("iata")


def great_circle_km(origin: pd.Series, destination: pd.Series) -> np.ndarray:
    """Haversine distance between two columns of IATA codes; NaN where a code is missing or unknown."""
    table = airports()
    lat1 = np.radians(origin.map(table["lat"]).to_numpy(dtype="float64", na_value=np.nan))
    lon1 = np.radians(origin.map(table["lon"]).to_numpy(dtype="float64", na_value=np.nan))
    lat2 = np.radians(destination.map(table["lat"]).to_numpy(dtype="float64", na_value=np.nan))
    lon2 = np.radians(destination.map(table["lon"]).to_numpy(dtype="float64", na_value=np.nan))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
