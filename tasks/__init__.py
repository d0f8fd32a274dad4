"""Prefect tasks: thin wrappers that give footprint's core steps names, retries and logs."""
