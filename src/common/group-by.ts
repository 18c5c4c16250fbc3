/** Splits `values` into one list per key, in the order of `keys` (the shape a DataLoader batch returns). */
export function groupBy<K, V>(keys: readonly K[], values: V[], keyOf: (v: V) => K): V[][] {
  const groups = new Map<K, V[]>(keys.map((k) => [k, []]));
  for (const v of values) groups.get(keyOf(v))?.push(v);
  return keys.map((k) => groups.get(k)!);
}
