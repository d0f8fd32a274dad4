-- An alert whose cause a restatement removed (a corrected or reprocessed file) is closed as resolved.
ALTER TABLE alerts DROP CONSTRAINT IF EXISTS alerts_status_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_status_check
    CHECK (status IN ('open', 'explained', 'dismissed', 'resolved'));
