-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN     "leaseUntil" TIMESTAMP(3),
ADD COLUMN     "resourceId" TEXT;
