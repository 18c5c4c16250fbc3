/** "21–40 of 45" for a page of `count` items starting at `offset`; "0 of 0" when empty. Pure, tested. */
export function pageLabel(offset: number, count: number, total: number): string {
  if (count === 0) return `0 of ${total}`;
  return `${offset + 1}–${offset + count} of ${total}`;
}
