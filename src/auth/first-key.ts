import type { ApiKeyService } from './api-keys.service';

/**
 * A first start with no keys at all (and no BOOTSTRAP_API_KEY) creates one for owner "default" and
 * returns it, to be shown once; otherwise null. Called only once the ports are bound, so the one
 * process that shows the key is one that keeps running: a start that fails earlier creates nothing,
 * and the next successful start shows the key.
 */
export async function createFirstKey(apiKeys: ApiKeyService): Promise<string | null> {
  if ((await apiKeys.countActive()) > 0) return null;
  return apiKeys.create('default');
}

/** Printed to stdout, not through the logger: it is a secret the operator must copy now. */
export function firstKeyNotice(key: string): string {
  return `\nNo API keys existed, so one was created for owner "default" (it is not shown again;\n\`npm run keys -- create --owner <name>\` makes another one):\n\n  ${key}\n\n`;
}
