"""Quality gate between parsing and loading: a row that breaks a rule goes to quarantine, not the warehouse.

The rules are Great Expectations suites kept as data, one per dataset (expectations/<dataset>.json),
business rules beside column checks. Each expectation's meta names its rule, the canonical columns
a quarantine entry reports and the reason a quality officer reads, so changing a rule or its wording
is a data change. Where GX has no expectation for a rule (check digits, duplicates, product names
compared case-insensitively) the suite checks a helper column starting with "_" that is derived,
vectorised, before the run.

gate.validate is the entry point; context says what the rules compare against, suite reads the
suite files, derived makes the helper columns, gx_engine runs GX, quarantine words the failures.
"""
