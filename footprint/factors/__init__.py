"""The factor library: the official Dutch list of emission factors, versioned in the warehouse,
and the mapping (a data file) from footprint's activities to its factors.
"""

from footprint.factors.loader import (
    FactorListLoad,
    FactorSheet,
    ensure_default_factors,
    load_factor_list,
    read_factor_workbook,
    shipped_list_path,
)
from footprint.factors.mapping import (
    ActivityMapping,
    ResolvedFactors,
    classify_products,
    flight_activity_key,
    known_products,
    load_activity_mapping,
    resolve_factors,
)

__all__ = [
    "ActivityMapping",
    "FactorListLoad",
    "FactorSheet",
    "ResolvedFactors",
    "classify_products",
    "ensure_default_factors",
    "flight_activity_key",
    "known_products",
    "load_activity_mapping",
    "load_factor_list",
    "read_factor_workbook",
    "resolve_factors",
    "shipped_list_path",
]
