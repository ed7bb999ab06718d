import { ApiKeyNameTakenError, type ApiKeyStore } from '@offload/storage';
import { formatKeys } from './format';
import type { KeysCommand } from './parse-args';

export interface KeysOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs a parsed command against the key store; returns the exit code (0 done, 1 failed). */
export async function runKeysCommand(command: Exclude<KeysCommand, { command: 'help' }>, keys: ApiKeyStore, out: KeysOutput): Promise<number> {
  switch (command.command) {
    case 'create': {
      const { command: _command, ...key } = command;
      try {
        const { secret } = await keys.create(key);
        // stdout carries the key alone, so `KEY=$(npm run --silent keys -- create …)` captures it.
        out.stdout(`${secret}\n`);
        out.stderr(`offload keys: created ${key.name} (tenant ${key.tenant}, scopes ${key.scopes.join(',')}); the key above is not shown again\n`);
        return 0;
      } catch (err) {
        if (!(err instanceof ApiKeyNameTakenError)) throw err;
        out.stderr(`offload keys: ${err.message}\n`);
        return 1;
      }
    }
    case 'list':
      out.stdout(`${formatKeys(await keys.list())}\n`);
      return 0;
    case 'revoke': {
      if (await keys.revoke(command.name)) {
        out.stdout(`revoked ${command.name}\n`);
        return 0;
      }
      const revoked = (await keys.list()).find((key) => key.name === command.name)?.revokedAt;
      out.stderr(`offload keys: ${revoked === undefined ? `no API key is named ${command.name}` : `${command.name} was revoked already, at ${revoked}`}\n`);
      return 1;
    }
  }
}
