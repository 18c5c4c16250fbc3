-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN "leaseUntil" DATETIME;
ALTER TABLE "IdempotencyRecord" ADD COLUMN "resourceId" TEXT;
