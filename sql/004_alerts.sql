-- footprint warehouse schema, version 4: deviations found after ingestion, and where they were sent.
-- Unlike the bulk tables these two are small and written row by row, so their keys are declared:
-- the unique key (rule, subject, period) is what makes a re-run never alert twice.

-- One row per alert (key: alert_id, assigned by footprint as max + 1 in the inserting transaction).
-- period is the month the deviation belongs to; evidence_json the values and history the rule saw.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id           BIGINT NOT NULL,
    rule               VARCHAR NOT NULL,
    subject            VARCHAR NOT NULL,
    period             DATE NOT NULL,
    severity           VARCHAR NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    title              VARCHAR NOT NULL,
    message            VARCHAR NOT NULL,
    evidence_json      VARCHAR NOT NULL,
    status             VARCHAR NOT NULL CHECK (status IN ('open', 'explained', 'dismissed')),
    note               VARCHAR,
    noted_by           VARCHAR,
    noted_at           TIMESTAMP WITH TIME ZONE,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (alert_id),
    UNIQUE (rule, subject, period)
);

-- One row per alert and channel that delivered it (key: alert_id, channel). A channel without a
-- row is still pending: the next send delivers it, and only it.
CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id           BIGINT NOT NULL,
    channel            VARCHAR NOT NULL,
    delivered_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (alert_id, channel)
);
