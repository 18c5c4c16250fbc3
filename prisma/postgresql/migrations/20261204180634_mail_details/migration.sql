-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "ccAddrs" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "headerMessageId" TEXT,
ADD COLUMN     "headers" JSONB,
ADD COLUMN     "inReplyTo" TEXT,
ADD COLUMN     "replyTo" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "Wait" ADD COLUMN     "since" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "MessageAttachment" (
    "id" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "filename" TEXT,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "contentId" TEXT,

    CONSTRAINT "MessageAttachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MessageChunk" (
    "blobId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "messageId" TEXT NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "MessageChunk_pkey" PRIMARY KEY ("blobId","seq")
);

-- CreateIndex
CREATE INDEX "MessageAttachment_messageId_position_idx" ON "MessageAttachment"("messageId", "position");

-- CreateIndex
CREATE INDEX "MessageChunk_messageId_idx" ON "MessageChunk"("messageId");

-- AddForeignKey
ALTER TABLE "MessageAttachment" ADD CONSTRAINT "MessageAttachment_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MessageChunk" ADD CONSTRAINT "MessageChunk_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;
