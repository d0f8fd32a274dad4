"""Deviation alerts for the quality officer: found after each ingestion, stored once, then sent.

detect.detect finds the month's deviations, footprint.alert_store records the new ones, and
send.send_pending delivers them through the sinks (sinks.py); each rule family has its own module.
"""
