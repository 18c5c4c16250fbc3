/**
 * The API key lives in sessionStorage only: gone when the tab closes, never in a URL or localStorage,
 * and "sign out" removes it.
 */
const KEY = 'sessions-gateway.apiKey';

export function readKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}
