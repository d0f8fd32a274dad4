-- The rows of version 1's meter_usage table, split (see 006_meter_series.sql); only the series id's
-- SQL differs between the dialects.
INSERT INTO meter_series
SELECT ('x' || lpad(left(encode(sha256(convert_to(file_sha256 || '|' || ean || '|' || direction || '|' || coalesce(tariff, '') || '|' || unit, 'UTF8')), 'hex'), 15), 16, '0'))::bit(64)::bigint,
       file_sha256, ean, min(site_id), min(carrier), min(contract), unit, direction, tariff, min(activity_key)
FROM meter_usage
GROUP BY file_sha256, ean, direction, tariff, unit;

INSERT INTO meter_readings
SELECT ('x' || lpad(left(encode(sha256(convert_to(file_sha256 || '|' || ean || '|' || direction || '|' || coalesce(tariff, '') || '|' || unit, 'UTF8')), 'hex'), 15), 16, '0'))::bit(64)::bigint,
       source_row, period, interval_start, interval_end, quantity, estimated
FROM meter_usage;
