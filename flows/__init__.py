"""Prefect flows: the schedule-facing entry points; all logic lives in footprint's core."""
