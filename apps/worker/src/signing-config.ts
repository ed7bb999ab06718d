import { createMessageSigner, signingKeySchema, type MessageSigner } from '@offload/contracts';
import { ConfigError } from '@offload/config';

/** loadEnv never echoes a refused `…_KEY` value. */
const signingKeyVar = (description: string) => signingKeySchema.optional().describe(description);

/** The worker's (and `npm run dlq`'s) signing keys; the API declares the same two. */
export const signingKeyVars = {
  TASK_SIGNING_KEY: signingKeyVar(
    'HMAC key of task messages, at least 32 characters (`openssl rand -base64 32`): the API signs every message with it; a worker runs only messages signed with it or TASK_SIGNING_KEY_PREVIOUS and dead-letters the rest as invalid_signature. Unset: nothing is signed or checked',
  ),
  TASK_SIGNING_KEY_PREVIOUS: signingKeyVar(
    'A second key that workers and the dead-letter re-drive accept but never sign with: during a key rotation, the coming key, then the one replaced',
  ),
};

export interface SigningKeyConfig {
  TASK_SIGNING_KEY?: string | undefined;
  TASK_SIGNING_KEY_PREVIOUS?: string | undefined;
}

/** Throws ConfigError when a previous key is set without a current one (a rotation half done). */
export function checkSigningKeys(config: SigningKeyConfig): void {
  if (config.TASK_SIGNING_KEY === undefined && config.TASK_SIGNING_KEY_PREVIOUS !== undefined) {
    throw new ConfigError(['TASK_SIGNING_KEY_PREVIOUS: set without TASK_SIGNING_KEY, the key that signs now']);
  }
}

/** The signer of a checked config, or undefined when no key is set (messages unsigned and unchecked). */
export async function signerFrom(config: SigningKeyConfig): Promise<MessageSigner | undefined> {
  if (config.TASK_SIGNING_KEY === undefined) return undefined;
  return createMessageSigner({ current: config.TASK_SIGNING_KEY, previous: config.TASK_SIGNING_KEY_PREVIOUS });
}
