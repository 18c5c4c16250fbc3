-- CreateTable
CREATE TABLE "SessionCount" (
    "ownerId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "SessionCount_pkey" PRIMARY KEY ("ownerId","status")
);

-- Backfill: the counts of the sessions that already exist.
INSERT INTO "SessionCount" ("ownerId", "status", "count")
SELECT "ownerId", "status", COUNT(*) FROM "Session" GROUP BY "ownerId", "status";
