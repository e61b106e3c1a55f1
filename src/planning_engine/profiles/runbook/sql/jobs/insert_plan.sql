-- The plan, in the transaction that completes its job (plans.job_id is unique).
INSERT INTO plans (plan_id, job_id, user_id, content)
VALUES (%(plan_id)s, %(job_id)s, %(user)s, %(content)s)
