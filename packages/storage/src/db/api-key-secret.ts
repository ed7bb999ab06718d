import { createHash, randomBytes } from 'node:crypto';
import { API_KEY_PATTERN } from '@offload/contracts';

/** What every secret starts with, so a leaked one is recognisable (secret scanners, logs). */
const SECRET_PREFIX = 'ofk_';
const SECRET_BYTES = 32;

/** How much of a secret a listing shows: `ofk_` and 8 characters (48 bits, nothing to guess from). */
export const API_KEY_PREFIX_LENGTH = 12;

/** A key's name: 1–64 of A–Z, a–z, 0–9, `.`, `_` and `-`. */
export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A new secret: `ofk_` and 256 random bits in base64url. */
export function newApiKeySecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/**
 * True when `value` has the shape of a secret (API_KEY_PATTERN: `ofk_` and 43 base64url
 * characters, what newApiKeySecret makes); it says nothing of whether a key has it.
 */
export function isApiKeySecret(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

/**
 * SHA-256 of the secret. A secret carries 256 random bits, so nobody can guess one from its hash
 * whatever the hash costs: a slow password hash (scrypt, argon2) would only slow every request.
 */
export function hashApiKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
