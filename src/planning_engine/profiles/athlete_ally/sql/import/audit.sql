-- One audit row about a draft or a library row.
INSERT INTO movement_audit_log (id, action, "actorId", "actorEmail", "movementStagingId",
                                "movementLibraryId", diff, metadata, "createdAt")
VALUES (%(id)s, %(action)s::"MovementAuditAction", %(actor)s, %(email)s, %(staging_id)s,
        %(library_id)s, %(diff)s, %(metadata)s, (now() AT TIME ZONE 'UTC'))
