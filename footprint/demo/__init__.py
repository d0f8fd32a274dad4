"""A fictional Dutch cleaning company's data, to show and test footprint end to end."""

from footprint.demo.generator import DemoFile, DemoManifest, PlantedAnomaly, PlantedRow, write_demo

__all__ = ["DemoFile", "DemoManifest", "PlantedAnomaly", "PlantedRow", "write_demo"]
