/**
 * The API key of this tab: kept in sessionStorage (this tab only, gone when it closes), never in
 * a URL, a cookie or localStorage.
 */
const STORAGE_KEY = 'offload.console.key';

/**
 * What can go in a header at all. Whether it is a key is the API's answer (GET /v1/me), so the
 * console keeps no copy of the key format.
 */
export function keyProblem(raw: string): string | undefined {
  const key = raw.trim();
  if (key === '') return 'paste an API key (ofk_…)';
  if (!/^[\x21-\x7e]{1,512}$/.test(key)) return 'an API key has no spaces or special characters; paste it as the key command printed it';
  return undefined;
}

export function savedKey(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
