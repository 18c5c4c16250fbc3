-- DropIndex
DROP INDEX "Message_inboxId_receivedAt_idx";

-- CreateIndex
CREATE INDEX "Message_inboxId_receivedAt_sizeBytes_idx" ON "Message"("inboxId", "receivedAt", "sizeBytes");
