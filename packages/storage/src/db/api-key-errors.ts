import { OffloadError } from '@offload/contracts';

/** A key (live or revoked) already has this name: names are never reused, so logs stay unambiguous. */
export class ApiKeyNameTakenError extends OffloadError {
  constructor(readonly keyName: string) {
    super('validation_failed', `an API key named ${JSON.stringify(keyName)} exists already (revoked keys keep their names)`);
    this.name = 'ApiKeyNameTakenError';
  }
}

/** The secret given to `create` is another key's already. */
export class ApiKeySecretTakenError extends OffloadError {
  constructor() {
    super('validation_failed', 'that secret is already the secret of another API key');
    this.name = 'ApiKeySecretTakenError';
  }
}
