"""The factor library: emission factor lists versioned in the warehouse, and the mapping (a data file)
from footprint's activities to their factors.

- official.py reads the official Dutch list (co2emissiefactoren.nl spreadsheet), calorific values
  ("Conversie MJ") included;
- own.py is a user's own, partial list: `footprint factors template` writes it (CSV and XLSX, line 1
  `footprint factor list;YYYY;version DD-MM-YYYY`), the user fills in the figures they have (kg CO2e
  per unit, optionally MJ per unit, and the source), and rows left empty are not factors;
- loader.py stores either kind (factor_lists.kind 'official' or 'own'), versions superseding within
  one kind and list year;
- footprint/activity_mapping.py checks the activity-factor mapping;
- resolve.py gives each activity key its factor. Fallback rule: a key takes the first list holding
  its factor along the policy's chain: for year Y (per_year) the lists of Y, then earlier years
  descending, then later years ascending, an own list before the official one within a year;
  single_list X starts that chain at X. Whatever does not come from the list the policy names, a
  year without its own list included, carries a fallback note; a factor no list holds is
  `unresolved`, which stops a computation only when rows use it.
"""
