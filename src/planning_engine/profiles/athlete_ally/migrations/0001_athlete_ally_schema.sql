-- The athlete-ally schema (DEPLOYED_SCHEMA_ATHLETE_ALLY.md): the five tables the runbook names,
-- in the shape that engine's Prisma migrations give them. camelCase columns, text ids made by
-- the application, timestamp(3) without time zone (UTC), "updatedAt" set on every write by the
-- application (no default, no trigger). Nothing here is specific to this engine: it also runs on
-- these tables when Prisma created them.

CREATE TYPE "MovementStageStatus" AS ENUM (
    'DRAFT', 'READY_FOR_REVIEW', 'CHANGES_REQUESTED', 'APPROVED', 'PUBLISHED', 'ARCHIVED'
);

CREATE TYPE "MovementAuditAction" AS ENUM (
    'CREATED', 'UPDATED', 'REVIEW_SUBMITTED', 'APPROVED', 'REJECTED', 'PUBLISHED', 'ARCHIVED',
    'METADATA_UPDATED'
);

CREATE TABLE "plans" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "userId" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "status" TEXT NOT NULL,
    "name" TEXT,
    "description" TEXT,
    "startDate" TIMESTAMP(3),
    "endDate" TIMESTAMP(3),
    "content" JSONB,
    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "plan_jobs" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "jobId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "requestData" JSONB NOT NULL,
    "resultData" JSONB,
    "errorData" JSONB,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "retryCount" INTEGER NOT NULL DEFAULT 0,
    "maxRetries" INTEGER NOT NULL DEFAULT 3,
    CONSTRAINT "plan_jobs_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "movement_staging" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "classification" TEXT NOT NULL,
    "equipment" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "primaryMuscles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "secondaryMuscles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "recommendedRpe" DOUBLE PRECISION,
    "progressionIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "regressionIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "instructions" JSONB,
    "metadata" JSONB,
    "status" "MovementStageStatus" NOT NULL DEFAULT 'DRAFT',
    "createdById" TEXT NOT NULL,
    "updatedById" TEXT NOT NULL,
    "reviewerId" TEXT,
    "reviewedAt" TIMESTAMP(3),
    "reviewNotes" TEXT,
    "publishedMovementId" TEXT,
    CONSTRAINT "movement_staging_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "movement_library" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "classification" TEXT NOT NULL,
    "equipment" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "primaryMuscles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "secondaryMuscles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "recommendedRpe" DOUBLE PRECISION,
    "progressionIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "regressionIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "instructions" JSONB,
    "metadata" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "stagingSourceId" TEXT,
    "stagingSnapshot" JSONB,
    "publishedById" TEXT NOT NULL,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "movement_library_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "movement_audit_log" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" "MovementAuditAction" NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorEmail" TEXT NOT NULL,
    "actorRole" TEXT,
    "movementStagingId" TEXT,
    "movementLibraryId" TEXT,
    "diff" JSONB,
    "notes" TEXT,
    "metadata" JSONB,
    CONSTRAINT "movement_audit_log_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "plan_jobs_jobId_key" ON "plan_jobs"("jobId");
CREATE INDEX "plan_jobs_userId_idx" ON "plan_jobs"("userId");
CREATE INDEX "plan_jobs_status_idx" ON "plan_jobs"("status");
CREATE INDEX "plan_jobs_createdAt_idx" ON "plan_jobs"("createdAt");
CREATE UNIQUE INDEX "movement_staging_slug_key" ON "movement_staging"("slug");
CREATE INDEX "movement_staging_status_idx" ON "movement_staging"("status");
CREATE INDEX "movement_staging_createdById_idx" ON "movement_staging"("createdById");
CREATE INDEX "movement_staging_reviewerId_idx" ON "movement_staging"("reviewerId");
CREATE UNIQUE INDEX "movement_library_slug_key" ON "movement_library"("slug");
CREATE INDEX "movement_library_classification_idx" ON "movement_library"("classification");
CREATE INDEX "movement_library_publishedAt_idx" ON "movement_library"("publishedAt");
CREATE INDEX "movement_audit_log_movementStagingId_idx" ON "movement_audit_log"("movementStagingId");
CREATE INDEX "movement_audit_log_movementLibraryId_idx" ON "movement_audit_log"("movementLibraryId");
CREATE INDEX "movement_audit_log_action_idx" ON "movement_audit_log"("action");

ALTER TABLE "movement_staging" ADD CONSTRAINT "movement_staging_publishedMovementId_fkey"
    FOREIGN KEY ("publishedMovementId") REFERENCES "movement_library"("id")
    ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "movement_audit_log" ADD CONSTRAINT "movement_audit_log_movementStagingId_fkey"
    FOREIGN KEY ("movementStagingId") REFERENCES "movement_staging"("id")
    ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "movement_audit_log" ADD CONSTRAINT "movement_audit_log_movementLibraryId_fkey"
    FOREIGN KEY ("movementLibraryId") REFERENCES "movement_library"("id")
    ON DELETE SET NULL ON UPDATE CASCADE;
