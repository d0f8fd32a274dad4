"""A fictional Dutch cleaning company's data, to show and test footprint end to end.

generator.write_demo writes it; manifest says what it wrote and planted.
"""
