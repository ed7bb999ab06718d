import { z } from 'zod';
import { OffloadError } from './offload-error';

/**
 * The AMQP header that carries a task message's signature: `v1=<key id>:<mac>`, where `<mac>` is
 * HMAC-SHA256(key, UTF-8(message id) ‖ 0x0A ‖ body), unpadded base64url (43 characters), and
 * `<key id>` the first 12 hex digits of SHA-256(UTF-8(key)), so a verifier holding two keys knows
 * which one signed.
 */
export const SIGNATURE_HEADER = 'offload-signature';

/** Characters a signing key has at least (`openssl rand -base64 32` prints 44). */
export const SIGNING_KEY_MIN_LENGTH = 32;

const SCHEME = 'v1';
const KEY_ID_HEX_DIGITS = 12;
const MAC_BYTES = 32;
const HEADER_PATTERN = /^v1=([0-9a-f]{12}):([A-Za-z0-9_-]{43})$/;

/** Why a signature did not verify: none, not in the v1 form, a key not held, or a MAC that does not match. */
export type SignatureFailure = 'unsigned' | 'malformed' | 'unknown_key' | 'mismatch';

export type SignatureCheck = { ok: true; keyId: string } | { ok: false; reason: SignatureFailure; keyId?: string };

/** The keys of a rotation: `current` signs and verifies, `previous` only verifies. */
export interface SigningKeys {
  current: string;
  previous?: string | undefined;
}

/** Signs task messages with the current key and verifies them with either key. */
export interface MessageSigner {
  /** The key id of the current key (safe to log: it reveals nothing of the key). */
  readonly keyId: string;
  /** The value of the `offload-signature` header for this message. */
  sign(messageId: string, body: Uint8Array): Promise<string>;
  /** Checks an `offload-signature` header value (whatever the broker delivered) in constant time. */
  verify(messageId: string | undefined, body: Uint8Array, header: unknown): Promise<SignatureCheck>;
}

/** A key too short to sign with. Its message names the rule, never the key. */
export class SigningKeyError extends OffloadError {
  constructor(message: string) {
    super('validation_failed', message, { retryable: false });
    this.name = 'SigningKeyError';
  }
}

/** Why `key` cannot be a signing key, or undefined when it can. Never includes the key. */
export function signingKeyProblem(key: string): string | undefined {
  if (key.length < SIGNING_KEY_MIN_LENGTH) return `must be at least ${SIGNING_KEY_MIN_LENGTH} characters (e.g. openssl rand -base64 32)`;
  // The key is its bytes as given: a newline kept from a secret file on one side only would
  // make every signature of that side fail to verify on the other.
  if (key.trim() !== key) return 'must not start or end with white space (a line break from a file?)';
  return undefined;
}

/** A signing key as configured (TASK_SIGNING_KEY): any string signingKeyProblem accepts. */
export const signingKeySchema = z.string().superRefine((key, ctx) => {
  const problem = signingKeyProblem(key);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Why a signature check failed, in words for a log line or a dead letter. */
export function describeSignatureFailure(check: { reason: SignatureFailure; keyId?: string }): string {
  switch (check.reason) {
    case 'unsigned':
      return `no ${SIGNATURE_HEADER} header`;
    case 'malformed':
      return `the ${SIGNATURE_HEADER} header is not v1=<key id>:<mac>`;
    case 'unknown_key':
      return `signed with a key not held here (key id ${check.keyId ?? 'unknown'})`;
    case 'mismatch':
      return 'the signature does not match the body and message id';
  }
}

interface Key {
  id: string;
  hmac: Awaited<ReturnType<typeof crypto.subtle.importKey>>;
}

/**
 * A signer for `keys`. Web Crypto (`globalThis.crypto.subtle`, Node's crypto in Node), not
 * `node:crypto`: this package imports nothing from `node:`. Throws SigningKeyError for a key
 * shorter than SIGNING_KEY_MIN_LENGTH.
 */
export async function createMessageSigner(keys: SigningKeys): Promise<MessageSigner> {
  const current = await importKey(keys.current, 'TASK_SIGNING_KEY');
  const held = keys.previous === undefined ? [current] : [current, await importKey(keys.previous, 'TASK_SIGNING_KEY_PREVIOUS')];
  return {
    keyId: current.id,
    async sign(messageId, body) {
      if (messageId.includes('\n')) throw new OffloadError('invalid_message', 'a signed message id cannot contain a line feed');
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', current.hmac, signedBytes(messageId, body)));
      return `${SCHEME}=${current.id}:${base64url(mac)}`;
    },
    async verify(messageId, body, header) {
      if (header === undefined || header === null) return { ok: false, reason: 'unsigned' };
      const match = typeof header === 'string' ? HEADER_PATTERN.exec(header) : null;
      const [, keyId, encoded] = match ?? [];
      const mac = encoded === undefined ? undefined : fromBase64url(encoded);
      if (keyId === undefined || mac?.length !== MAC_BYTES || messageId === undefined || messageId.includes('\n')) return { ok: false, reason: 'malformed' };
      // Both keys, when the previous one is the current one again (a rotation's first step).
      const candidates = held.filter((k) => k.id === keyId);
      if (candidates.length === 0) return { ok: false, reason: 'unknown_key', keyId };
      const data = signedBytes(messageId, body);
      for (const key of candidates) {
        // subtle.verify compares the MACs in constant time.
        if (await crypto.subtle.verify('HMAC', key.hmac, mac, data)) return { ok: true, keyId };
      }
      return { ok: false, reason: 'mismatch', keyId };
    },
  };
}

async function importKey(key: string, name: string): Promise<Key> {
  const problem = signingKeyProblem(key);
  if (problem !== undefined) throw new SigningKeyError(`${name}: ${problem}`);
  const bytes = new TextEncoder().encode(key);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const id = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, KEY_ID_HEX_DIGITS);
  const hmac = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  return { id, hmac };
}

/**
 * UTF-8(message id) ‖ LF ‖ body. Callers refuse a message id with a line feed: it would make
 * another split of the same bytes (id `a\nb`, body `c` against id `a`, body `b\nc`) sign alike.
 */
function signedBytes(messageId: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const id = new TextEncoder().encode(messageId);
  const bytes = new Uint8Array(id.length + 1 + body.length);
  bytes.set(id, 0);
  bytes[id.length] = 0x0a;
  bytes.set(body, id.length + 1);
  return bytes;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
