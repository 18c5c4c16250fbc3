import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../common/clock';
import type { Database } from '../db/client';
import { newId, randomBase62 } from '../db/ids';

/** Keys look like `sgk_` + 40 base62 characters; the first 12 characters are the public prefix. */
export const KEY_PREFIX = 'sgk_';
const KEY_RANDOM_LENGTH = 40;
const DISPLAY_PREFIX_LENGTH = 12;
const CACHE_MAX_ENTRIES = 10_000;

export interface Principal {
  ownerId: string;
  ownerName: string;
  keyId: string;
}

export interface ApiKeyInfo {
  prefix: string;
  owner: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * API keys: stored only as sha256 hashes. Lookups are cached for `cacheTtlMs` (hits and misses), so a
 * request costs no database round trip while revocation still shows everywhere within the TTL.
 */
export class ApiKeyService {
  private readonly cache = new Map<string, { principal: Principal | null; expiresAt: number }>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly cacheTtlMs: number,
  ) {}

  async authenticate(presented: string): Promise<Principal | null> {
    if (presented.length === 0 || presented.length > 512) return null;
    const hash = hashKey(presented);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now) return cached.principal;

    const row = await this.db.prisma.apiKey.findUnique({ where: { hash }, include: { owner: true } });
    // The lookup found the row by its hash; the final comparison still runs in constant time.
    const matches = row !== null && timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'));
    const principal = matches && !row.revokedAt ? { ownerId: row.ownerId, ownerName: row.owner.name, keyId: row.id } : null;
    if (this.cacheTtlMs > 0) {
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.delete(hash); // re-insert so the Map's order stays oldest-first
      this.cache.set(hash, { principal, expiresAt: now + this.cacheTtlMs });
    }
    return principal;
  }

  /** Creates a key for `ownerName` (creating the owner on first use) and returns it: the only time it is seen. */
  async create(ownerName: string): Promise<string> {
    const key = `${KEY_PREFIX}${randomBase62(KEY_RANDOM_LENGTH)}`;
    await this.store(ownerName, key);
    return key;
  }

  /** Makes sure `key` exists for `ownerName` (BOOTSTRAP_API_KEY); revives nothing that was revoked. */
  async ensure(key: string, ownerName: string): Promise<'created' | 'exists'> {
    const existing = await this.db.prisma.apiKey.findUnique({ where: { hash: hashKey(key) } });
    if (existing) return 'exists';
    try {
      await this.store(ownerName, key);
      return 'created';
    } catch (err) {
      // Several instances starting at once with the same BOOTSTRAP_API_KEY: one of them stored it.
      if (isUniqueViolation(err) && (await this.db.prisma.apiKey.findUnique({ where: { hash: hashKey(key) } }))) return 'exists';
      throw err;
    }
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.prisma.apiKey.findMany({ include: { owner: true }, orderBy: { createdAt: 'asc' } });
    return rows.map((r) => ({ prefix: r.prefix, owner: r.owner.name, createdAt: r.createdAt, revokedAt: r.revokedAt }));
  }

  /** Revokes the keys whose public prefix starts with `prefix`; refuses ambiguous prefixes. */
  async revoke(prefix: string): Promise<number> {
    const matches = await this.db.prisma.apiKey.findMany({ where: { prefix: { startsWith: prefix }, revokedAt: null } });
    if (matches.length > 1) throw new Error(`prefix "${prefix}" matches ${matches.length} keys; give more characters`);
    if (matches.length === 0) return 0;
    await this.db.tx((tx) => tx.apiKey.update({ where: { id: matches[0].id }, data: { revokedAt: this.clock() } }));
    this.cache.clear();
    return 1;
  }

  /** Which of `keyIds` are not revoked, read from the database (no cache): open streams re-check their keys. */
  async activeKeyIds(keyIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.db.prisma.apiKey.findMany({ where: { id: { in: [...keyIds] }, revokedAt: null }, select: { id: true } });
    return new Set(rows.map((r) => r.id));
  }

  async countActive(): Promise<number> {
    return this.db.prisma.apiKey.count({ where: { revokedAt: null } });
  }

  private async store(ownerName: string, key: string, attempt = 1): Promise<void> {
    // Creating an owner races with other instances creating the same one: the loser tries again and finds it.
    await this.db.tx(async (tx) => {
      const now = this.clock();
      const owner = await tx.owner.upsert({
        where: { name: ownerName },
        create: { id: newId('owner', now), name: ownerName, createdAt: now },
        update: {},
      });
      await tx.apiKey.create({ data: { id: newId('apiKey', now), ownerId: owner.id, prefix: displayPrefix(key), hash: hashKey(key), createdAt: now } });
    }).catch((err: unknown) => {
      if (attempt < 3 && isUniqueViolation(err)) return this.store(ownerName, key, attempt + 1);
      throw err;
    });
  }
}

/**
 * Our keys show their first 12 characters (8 of 40 random ones: harmless). A bootstrap key is any string
 * the operator chose, so none of it is shown: it is named by the start of its hash instead.
 */
function displayPrefix(key: string): string {
  return key.startsWith(KEY_PREFIX) ? key.slice(0, DISPLAY_PREFIX_LENGTH) : `ext_${hashKey(key).slice(0, 8)}`;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === 'P2002';
}
