-- The plan a job produced, committed with the job's completion.
INSERT INTO plans (id, "userId", version, status, name, description, "startDate", "endDate",
                   content, "createdAt", "updatedAt")
VALUES (%(id)s, %(user_id)s, 1, 'generated', %(name)s, %(description)s, (now() AT TIME ZONE 'UTC'),
        (now() AT TIME ZONE 'UTC') + make_interval(weeks => %(weeks)s), %(content)s,
        (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
