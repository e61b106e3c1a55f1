-- A generated (or cached) plan, as the service stores it: status completed, version 1.
INSERT INTO plans (id, "userId", version, status, name, description, content,
                   "createdAt", "updatedAt")
VALUES (%(id)s, %(user_id)s, 1, 'completed', %(name)s, %(description)s, %(content)s,
        (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
