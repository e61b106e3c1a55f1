-- Whether a name repeats within the batch, case-insensitively.
SELECT 1 FROM import_names GROUP BY name_key HAVING count(*) > 1 LIMIT 1
