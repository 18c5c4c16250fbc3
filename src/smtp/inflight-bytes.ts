/**
 * Bytes of mail held in memory at once, across every SMTP connection: received DATA until the message is
 * stored. A reservation that would pass the cap is refused — unless nothing else is held, so that a message
 * under MAX_MESSAGE_BYTES is never refused forever by a cap set lower than it.
 */
export class InflightBytes {
  private held = 0;

  constructor(readonly max: number) {}

  get used(): number {
    return this.held;
  }

  /** Whether new mail of (about) `bytes` may start now. */
  hasRoomFor(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.max;
  }

  /** Reserves `bytes` more for a message that already holds `ownBytes` (alone, it may always go on). */
  tryReserve(bytes: number, ownBytes = 0): boolean {
    if (this.held > ownBytes && this.held + bytes > this.max) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}
