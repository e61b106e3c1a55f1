-- One audit row per action taken: a new movement is imported (and published unless
-- --no-publish), a changed one updated, a draft published. Unchanged rows write nothing.
-- event_id is derived from the batch (a random uuid4) and the action, then the record: unique
-- like gen_random_uuid()'s, without a strong-random call per row (~3 us each here), and in
-- record order within a batch's action, so that its unique index grows at a few places instead
-- of at random ones (random inserts made the index a third of the audit insert's cost).
INSERT INTO movement_audit_log (event_id, movement_id, action, actor, batch_id, details)
SELECT (left(md5(%(batch)s::text || ':' || a.action), 16)
        || lpad(to_hex(d.record_index), 16, '0'))::uuid,
       d.movement_id, a.action, %(actor)s, %(batch)s,
       jsonb_build_object('content_hash', d.content_hash)
FROM import_chunk d
CROSS JOIN LATERAL (VALUES
    ('imported', d.outcome = 'created'),
    ('updated', d.outcome = 'updated'),
    ('published', %(publish)s AND (d.outcome IN ('created', 'published')
                                   OR (d.outcome = 'updated' AND d.was_draft)))
) AS a(action, taken)
WHERE a.taken
ORDER BY d.record_index, a.action = 'published'
