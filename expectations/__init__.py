"""The expectation suites as package data, installed as footprint.expectations (setup.py)."""
