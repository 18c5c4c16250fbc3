-- AlterTable
ALTER TABLE "Inbox" ADD COLUMN     "heldBytes" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "heldMessages" INTEGER NOT NULL DEFAULT 0;

-- What each inbox holds now, counted once here. From here on each delivery's transaction keeps it in step.
UPDATE "Inbox" SET
    "heldMessages" = (SELECT COUNT(*) FROM "Message" WHERE "Message"."inboxId" = "Inbox"."id"),
    "heldBytes" = (SELECT COALESCE(SUM("sizeBytes"), 0) FROM "Message" WHERE "Message"."inboxId" = "Inbox"."id");
