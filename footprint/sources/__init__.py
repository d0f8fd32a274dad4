"""Source formats: one module per provider layout (or a fuel-card profile), recognised from a file's content.

The registry of formats and detection are in footprint.sources.registry; see footprint/sources/README.md.
"""
