"""The migrations as package data, installed as footprint.sql (setup.py)."""
