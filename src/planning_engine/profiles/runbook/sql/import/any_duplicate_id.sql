-- Whether a movement id repeats within the batch (most files have none).
SELECT 1 FROM movement_staging WHERE batch_id = %(batch)s
GROUP BY movement_id HAVING count(*) > 1 LIMIT 1
