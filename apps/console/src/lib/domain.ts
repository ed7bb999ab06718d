import type { ApiKeyScope, TaskRecord, TaskStatus, TaskType } from '@offload/contracts';

export type { ApiKeyScope, TaskRecord, TaskStatus, TaskType };

/**
 * The statuses and task types, as lists the console can iterate. Only the contracts' types are
 * imported (the schemas would bring zod into the page); `Exhaustive` fails the build when
 * contracts gains a status or a type these lists lack.
 */
type Exhaustive<All extends string, Listed extends readonly All[]> = [All] extends [Listed[number]] ? Listed : never;

const statuses = ['scheduled', 'queued', 'processing', 'retrying', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly TaskStatus[];
export const STATUSES: Exhaustive<TaskStatus, typeof statuses> = statuses;

const taskTypes = ['watermark', 'thumbnail', 'analysis'] as const satisfies readonly TaskType[];
export const TASK_TYPE_LIST: Exhaustive<TaskType, typeof taskTypes> = taskTypes;

export const FINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
export const LIVE_STATUSES: readonly TaskStatus[] = ['scheduled', 'queued', 'processing', 'retrying'];

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Who signed in: `GET /v1/me`. */
export interface Me {
  name: string;
  tenant: string;
  scopes: ApiKeyScope[];
}

/** What the signed-in key may do; the API checks every action anyway. */
export interface Abilities {
  admin: boolean;
  /** Cancel its tenant's tasks. */
  write: boolean;
}

export function abilitiesOf(me: Me): Abilities {
  const admin = me.scopes.includes('admin');
  return { admin, write: admin || me.scopes.includes('tasks:write') };
}
