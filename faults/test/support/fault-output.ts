import { createHash } from 'node:crypto';

/**
 * What the fault worker writes for a task: bytes that depend only on the task id and its script,
 * so every execution of one task writes the same output and the checker can recompute it.
 */
export function faultOutput(taskId: string, script: string): Buffer {
  return Buffer.from(`offload fault-worker output\ntask ${taskId}\nscript ${script}\n`);
}

export function outputKeyOf(taskId: string): string {
  return `out_${taskId}.txt`;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
