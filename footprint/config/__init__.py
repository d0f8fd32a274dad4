"""Organisation configuration (footprint.yaml) and process settings (environment).

One module per part of the model; importers name the module (footprint.config.workspace, ...).
"""
