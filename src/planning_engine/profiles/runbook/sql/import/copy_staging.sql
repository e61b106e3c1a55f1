-- The chunk's records into movement_staging, as COPY text.
COPY movement_staging (batch_id, record_index, movement_id, payload, content_hash, validation_status) FROM STDIN
