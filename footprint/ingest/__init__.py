"""Ingestion: pull a month's files, keep and parse them, validate, and load them in one transaction per dataset."""
