-- footprint warehouse schema, version 3: the sheet a workbook's rows were read from, for lineage.
ALTER TABLE raw_files ADD COLUMN source_sheet VARCHAR;
