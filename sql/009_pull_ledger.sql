-- footprint warehouse schema, version 9: what the pull connectors fetched, and how far each got.
-- Small tables written once per fetched item, so their keys are declared.

-- One row per source and channel (an EAN, a remote folder, a mailbox): the point up to which
-- everything is stored. It moves only when every item of a run's channel is stored.
CREATE TABLE IF NOT EXISTS pull_watermarks (
    source             VARCHAR NOT NULL,
    channel            VARCHAR NOT NULL,
    watermark          VARCHAR NOT NULL,
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (source, channel)
);

-- One row per file a connector stored in the inbox (key: source, item_key, inbox_path): the item
-- (an EAN's month, a remote file, an e-mail) it belongs to, the request that fetched it, when, and
-- its checksum, which raw_files.file_sha256 carries once ingestion loaded it. An item with a row here
-- is never fetched again.
CREATE TABLE IF NOT EXISTS pulled_files (
    source             VARCHAR NOT NULL,
    kind               VARCHAR NOT NULL,
    item_key           VARCHAR NOT NULL,
    channel            VARCHAR NOT NULL,
    period             DATE NOT NULL,
    inbox_path         VARCHAR NOT NULL,
    file_sha256        VARCHAR NOT NULL,
    size_bytes         BIGINT NOT NULL,
    request            VARCHAR NOT NULL,
    fetched_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (source, item_key, inbox_path)
);
