"""The footprint.yaml that `footprint init` writes: every key present, explained in place."""

from __future__ import annotations

_CONFIG = """\
# footprint organisation configuration. Validate it with: footprint status
organisation: {organisation}

# The year targets and comparisons refer to (basisjaar); it needs revenue and FTE below.
base_year: 2024

# Revenue (EUR) and FTE per year, for intensity targets (per million EUR, per FTE).
years:
  2024: {{revenue_eur: 1000000, fte: 10}}

sites:
  - id: hq                 # lower case letters, digits, - and _
    name: Head office
    city: Utrecht

# One entry per connection (EAN code: 18 digits with a valid GS1 check digit, 87... in NL, 54... in BE).
# carrier: electricity | natural_gas | district_heat | water
# contract (electricity): grey | green_gvo_nl (green, Dutch guarantees of origin) | supplier_mix
# contract_from: changes of contract by month, e.g. {{"2025-01": green_gvo_nl}}
# direction: consumption | feed_in | generation
# files: exports that name no valid EAN (only in their file name, nowhere, or a placeholder such as
#   XXXXXXXXXXXXXXXXXX) belong to this meter when their name, or their path below the month folder,
#   matches one of these patterns ("fluvius-gas/*" for inbox/YYYY-MM/fluvius-gas/). A file's own valid
#   EAN always wins; file_ean names a code such exports write instead of this meter's own.
meters: []
#  - ean: "871687120000000000"
#    carrier: electricity
#    site: hq
#    contract: grey
#    direction: consumption
#    files: ["Consumption_history_electricity_*"]

# Vehicles by plate; fuel: diesel | petrol | lpg | cng | hvo100 | electric. tank_litres (else vehicle_class:
# car | van | truck | bus | machine) sets the largest plausible single fuelling: the tank plus 50 %, or the
# class's bound (footprint/data/plausible_fuelling.yaml; override under fuel_cards: plausible_fuelling:).
vehicles: []
#  - plate: "V-123-AB"
#    site: hq
#    fuel: diesel
#    tank_litres: 70
#    vehicle_class: van

# Supplier, travel and mileage data you expect, and how often: only these can be reported missing (the
# half-year report's warning, section 5, footprint status). Without an entry such data is never missing,
# so an organisation without flights has no gap. source: flights | private_car | train | supplier_reported;
# rhythm: monthly (default) | quarterly | yearly (judged on whole calendar quarters and years).
# Active meters (per EAN) and, with an active vehicle, the fuel-card data are always expected monthly.
expected_sources: []
#  - source: private_car
#    rhythm: monthly
#  - source: supplier_reported
#    rhythm: quarterly

# Reduction targets per ladder scope; basis: absolute | per_revenue | per_fte.
targets: []
#  - id: scope1-per-revenue
#    ladder_scope: 1
#    target_year: 2030
#    reduction_pct: 30
#    basis: per_revenue

# Projects won with a CO2 award advantage (gunningvoordeel), for `footprint report --project ID`.
# Each rule allocates share_pct (0-100, default 100) of an item's emissions in the months start..end:
# vehicles by plate (all fuel-card transactions), sites by id (the energy of the site's meters),
# suppliers by name as in their statements and/or by source (flights, private_car, train, supplier_reported).
projects: []
#  - id: gouda-2025
#    name: Schoonmaak gemeentehuis Gouda
#    client: Gemeente Gouda
#    start: "2025-01"
#    end: "2026-12"
#    vehicles:
#      - plate: "V-123-AB"
#        share_pct: 100
#    sites:
#      - site: hq
#        share_pct: 30
#    suppliers:
#      - supplier: Hygiëna Groothandel B.V.
#        source: supplier_reported
#        share_pct: 40

# The energy management plan's measures; the half-year report reviews their status
# (planned | in_progress | done | cancelled) and marks open ones past their due month.
measures: []
#  - id: M1
#    description: Replace diesel vans by electric vans at the end of their lease
#    owner: Fleet manager
#    due: "2026-12"
#    ladder_scope: 1
#    expected_saving_kg_co2e: 18000
#    status: in_progress

# Deviation alerts to the quality officer after each monthly ingestion (footprint/alerts/, one module per rule family).
# Delivery settings (SMTP, webhook) come from the environment only, never from this file.
alerts:
  enabled: true
  defaults: {{mom_pct: 50, yoy_pct: 50, zscore: 3.5}}
#  overrides:                       # per EAN, plate, source or supplier; null switches a rule off
#    "871687120000000001": {{mom_pct: 80}}
#    flights: {{mom_pct: null, yoy_pct: null}}

# per_year: each year with that year's factor list (default); single_list: every year with list_year's.
factor_policy:
  mode: per_year
  significance_pct: 5

# Fuel cards beyond the layouts and product names footprint ships: profiles are your own provider
# layouts (copies of footprint/data/fuelcard_profiles/*.yaml, paths relative to this file); products
# maps a product name on your fuel-card files to its fuel (diesel | petrol | lpg | cng | hvo100) or
# non_fuel (counted, left out of the inventory). A quarantined unmapped product names the line to add.
fuel_cards:
  profiles: []
  products: {{}}
#  products: {{"Premium Diesel X": diesel, "Ruitenvloeistof": non_fuel}}

# Meter exports beyond the layouts footprint ships: your own profiles (draft one with
# `footprint formats suggest FILE`, check it with `footprint formats check PROFILE FILE`; paths
# relative to this file). See footprint/sources/README.md, "Your own export in ten minutes".
meter_exports:
  profiles: []

# Where the month's data is fetched from before ingestion (footprint pull; the monthly run does it
# first): metering APIs, a provider's SFTP drop, a mailbox. `secret` is the NAME of an environment
# variable (or a line in .env, or a Prefect Secret block) holding the credentials, never the value.
# See docs/operations.md, "Pulling data at the source".
pull: []
#  - {{name: meetbedrijf, kind: meetbedrijf, url: "https://partner.hetmeetbedrijf.nl/api",
#     secret: MEETBEDRIJF_KEY, eans: ["871687120000000004"], start: "2026-01"}}
#  - {{name: tankpas, kind: sftp, host: sftp.provider.example, folder: /out, files: ["*.csv"],
#     known_hosts: known_hosts, secret: TANKPAS_SFTP}}
#  - {{name: facturen, kind: imap, host: imap.example.nl, senders: [facturen@leverancier.example],
#     attachments: ["*.csv", "*.xlsx"], secret: FACTUREN_IMAP}}

# Where data lives, relative to this file. FOOTPRINT_INBOX, FOOTPRINT_RAW_STORE and
# FOOTPRINT_WAREHOUSE_URL (e.g. postgresql://...) override these.
locations:
  inbox: inbox
  raw_store: raw
  warehouse: warehouse.duckdb
"""


def starter_config(organisation: str) -> str:
    return _CONFIG.format(organisation=organisation)
