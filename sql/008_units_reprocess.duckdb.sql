-- An alert whose cause a restatement removed (a corrected or reprocessed file) is closed as resolved.
-- DuckDB cannot alter a CHECK constraint: the table is rebuilt with the wider one.
CREATE TABLE alerts_v8 (
    alert_id           BIGINT NOT NULL,
    rule               VARCHAR NOT NULL,
    subject            VARCHAR NOT NULL,
    period             DATE NOT NULL,
    severity           VARCHAR NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    title              VARCHAR NOT NULL,
    message            VARCHAR NOT NULL,
    evidence_json      VARCHAR NOT NULL,
    status             VARCHAR NOT NULL CHECK (status IN ('open', 'explained', 'dismissed', 'resolved')),
    note               VARCHAR,
    noted_by           VARCHAR,
    noted_at           TIMESTAMP WITH TIME ZONE,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (alert_id),
    UNIQUE (rule, subject, period)
);
INSERT INTO alerts_v8 SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v8 RENAME TO alerts;
