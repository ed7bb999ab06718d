import { z } from 'zod';

/**
 * Webhook signatures in the Standard Webhooks format (https://www.standardwebhooks.com): the
 * headers below, `webhook-signature` = `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
 * key = the base64 bytes after `whsec_` in the tenant's secret. Any of that specification's
 * libraries verifies what is signed here. Web Crypto only: this package imports nothing from `node:`.
 */
export const WEBHOOK_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** How far a `webhook-timestamp` may be from the verifier's clock, either way (the specification's 5 minutes). */
export const WEBHOOK_TOLERANCE_S = 5 * 60;

/** Why a webhook did not verify. */
export type WebhookVerifyFailure = 'bad_secret' | 'missing_headers' | 'bad_timestamp' | 'stale' | 'mismatch';

export type WebhookVerifyResult = { ok: true } | { ok: false; reason: WebhookVerifyFailure };

/** The three signature headers of one delivery. */
export type WebhookHeaders = Record<(typeof WEBHOOK_HEADERS)[keyof typeof WEBHOOK_HEADERS], string>;

export interface WebhookVerifyInput {
  /** `whsec_<base64>` (the bare base64 is accepted too, as the specification's libraries do). */
  secret: string;
  /** The raw body as received: re-serialised JSON would not verify. */
  body: string | Uint8Array;
  /** Header values as received (a missing or repeated header reads as not a string). */
  headers: Readonly<Record<string, unknown>>;
  /** The verifier's clock, in unix seconds. */
  nowS: number;
  /** @defaultValue WEBHOOK_TOLERANCE_S */
  toleranceS?: number;
}

const SCHEME = 'v1';
const MAC_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

/** The HMAC key bytes of a secret, or undefined when it is not base64 (with or without `whsec_`). */
function secretBytes(secret: string): Uint8Array<ArrayBuffer> | undefined {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return undefined;
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function hmacKey(secret: string): Promise<HmacKey | undefined> {
  const bytes = secretBytes(secret);
  if (bytes === undefined || bytes.length === 0) return undefined;
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

function signedContent(id: string, timestampS: number | string, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = new TextEncoder().encode(`${id}.${timestampS}.`);
  const rest = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const bytes = new Uint8Array(prefix.length + rest.length);
  bytes.set(prefix, 0);
  bytes.set(rest, prefix.length);
  return bytes;
}

/**
 * The `webhook-signature` value (`v1,<base64>`) of one delivery. Throws a TypeError when the
 * secret is not base64 (the message never includes it).
 */
export async function signWebhook(secret: string, id: string, timestampS: number, body: string | Uint8Array): Promise<string> {
  const key = await hmacKey(secret);
  if (key === undefined) throw new TypeError('the webhook secret is not whsec_ followed by base64');
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, signedContent(id, timestampS, body)));
  return `${SCHEME},${btoa(String.fromCharCode(...mac))}`;
}

/** The three headers of one signed delivery. */
export async function webhookHeaders(secret: string, id: string, timestampS: number, body: string | Uint8Array): Promise<WebhookHeaders> {
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestampS),
    [WEBHOOK_HEADERS.signature]: await signWebhook(secret, id, timestampS, body),
  };
}

/**
 * Checks a delivery: its timestamp within the tolerance of `nowS`, and one of the space-separated
 * `v1,<base64>` signatures (several during a key rotation) matching the body. Compares in
 * constant time (subtle.verify).
 */
export async function verifyWebhook(input: WebhookVerifyInput): Promise<WebhookVerifyResult> {
  const key = await hmacKey(input.secret);
  if (key === undefined) return { ok: false, reason: 'bad_secret' };
  const id = input.headers[WEBHOOK_HEADERS.id];
  const timestamp = input.headers[WEBHOOK_HEADERS.timestamp];
  const signature = input.headers[WEBHOOK_HEADERS.signature];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return { ok: false, reason: 'missing_headers' };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(input.nowS - Number(timestamp)) > (input.toleranceS ?? WEBHOOK_TOLERANCE_S)) return { ok: false, reason: 'stale' };
  const content = signedContent(id, timestamp, input.body);
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== SCHEME) continue;
    const mac = secretBytes(entry.slice(comma + 1));
    if (mac?.length !== MAC_BYTES) continue;
    if (await crypto.subtle.verify('HMAC', key, mac, content)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

/** The message on the callback queue: which finished task's webhook to deliver. */
export const callbackDeliverySchema = z.object({ task_id: z.uuid() });
export type CallbackDelivery = z.infer<typeof callbackDeliverySchema>;

export type CallbackDeliveryDecodeResult = { ok: true; delivery: CallbackDelivery } | { ok: false; message: string };

/** The body of a callback-delivery message. Throws only on an id that is not a UUID (a caller's bug). */
export function encodeCallbackDelivery(taskId: string): string {
  return JSON.stringify(callbackDeliverySchema.parse({ task_id: taskId }));
}

/** Decodes a callback-delivery message body; never throws. Unknown fields are dropped. */
export function decodeCallbackDelivery(body: Uint8Array | string): CallbackDeliveryDecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { ok: false, message: 'body is not UTF-8 JSON' };
  }
  const parsed = callbackDeliverySchema.safeParse(json);
  if (!parsed.success) return { ok: false, message: 'body is not {"task_id": "<uuid>"}' };
  return { ok: true, delivery: parsed.data };
}
