-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Inbox" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerId" TEXT NOT NULL,
    "sessionId" TEXT,
    "emailAddress" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "metadata" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "deletedAt" DATETIME,
    "heldMessages" INTEGER NOT NULL DEFAULT 0,
    "heldBytes" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "Inbox_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Inbox_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Inbox" ("createdAt", "deletedAt", "emailAddress", "expiresAt", "id", "metadata", "ownerId", "sessionId", "status") SELECT "createdAt", "deletedAt", "emailAddress", "expiresAt", "id", "metadata", "ownerId", "sessionId", "status" FROM "Inbox";
DROP TABLE "Inbox";
ALTER TABLE "new_Inbox" RENAME TO "Inbox";
CREATE UNIQUE INDEX "Inbox_emailAddress_key" ON "Inbox"("emailAddress");
CREATE INDEX "Inbox_ownerId_createdAt_id_idx" ON "Inbox"("ownerId", "createdAt", "id");
CREATE INDEX "Inbox_sessionId_createdAt_idx" ON "Inbox"("sessionId", "createdAt");
CREATE INDEX "Inbox_status_expiresAt_idx" ON "Inbox"("status", "expiresAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- What each inbox holds now, counted once here. From here on each delivery's transaction keeps it in step.
UPDATE "Inbox" SET
    "heldMessages" = (SELECT COUNT(*) FROM "Message" WHERE "Message"."inboxId" = "Inbox"."id"),
    "heldBytes" = (SELECT COALESCE(SUM("sizeBytes"), 0) FROM "Message" WHERE "Message"."inboxId" = "Inbox"."id");
