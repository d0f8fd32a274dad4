"""The factor library: emission factor lists versioned in the warehouse, and the mapping (a data file)
from footprint's activities to their factors.

- official.py reads the official Dutch list (co2emissiefactoren.nl spreadsheet), calorific values
  ("Conversie MJ") included;
- own.py is a user's own, partial list: `footprint factors template` writes it (CSV and XLSX, line 1
  `footprint factor list;YYYY;version DD-MM-YYYY`), the user fills in the figures they have (kg CO2e
  per unit, optionally MJ per unit, and the source), and rows left empty are not factors;
- loader.py stores either kind (factor_lists.kind 'official' or 'own'), versions superseding within
  one kind and list year;
- mapping.py checks the activity-factor mapping;
- resolve.py gives each activity key its factor. Fallback rule: a key takes the first list holding
  its factor along the policy's chain: for year Y (per_year) the lists of Y, then earlier years
  descending, then later years ascending, an own list before the official one within a year;
  single_list X starts that chain at X. Whatever does not come from the list the policy names, a
  year without its own list included, carries a fallback note; a factor no list holds is
  `unresolved`, which stops a computation only when rows use it.
"""

from footprint.factors.loader import (
    FactorListLoad,
    ensure_default_factors,
    load_factor_list,
    read_factor_list,
    shipped_list_path,
)
from footprint.factors.mapping import (
    ActivityMapping,
    classify_products,
    flight_activity_key,
    known_products,
    load_activity_mapping,
)
from footprint.factors.official import FactorSheet, read_factor_workbook
from footprint.factors.own import is_own_list, read_own_list, write_factor_template
from footprint.factors.resolve import ResolvedFactors, list_label, list_labels, resolve_factors

__all__ = [
    "ActivityMapping",
    "FactorListLoad",
    "FactorSheet",
    "ResolvedFactors",
    "classify_products",
    "ensure_default_factors",
    "flight_activity_key",
    "is_own_list",
    "known_products",
    "list_label",
    "list_labels",
    "load_activity_mapping",
    "load_factor_list",
    "read_factor_list",
    "read_factor_workbook",
    "read_own_list",
    "resolve_factors",
    "shipped_list_path",
    "write_factor_template",
]
