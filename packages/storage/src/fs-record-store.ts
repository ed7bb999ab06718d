import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskRecordSchema, type TaskRecord } from '@offload/contracts';
import { writeAll, writeFileAtomic } from './atomic-file';
import { withFileLock } from './file-lock';
import { hasErrorCode } from './has-error-code';
import { judgeUpdate, parseRecord, serializeRecord } from './record-change';
import { assertRecordId } from './record-id';
import type { RecordStore, UpdateOutcome } from './storage';

/**
 * Task records as `<id>.json` files in `dir` (an absolute path that exists). `update` holds a
 * per-record lock that other processes sharing `dir` respect, so no increment is ever lost.
 */
export function createFsRecordStore(dir: string): RecordStore {
  const pathOf = (id: string): string => join(dir, `${assertRecordId(id)}.json`);

  return {
    async create(record) {
      const valid = taskRecordSchema.parse(record);
      return writeRecord(pathOf(valid.id), valid, 'exclusive');
    },

    async get(id) {
      return readRecord(pathOf(id));
    },

    async update(id, update) {
      const path = pathOf(id);
      return withFileLock(path, async (assertHeld): Promise<UpdateOutcome> => {
        const current = await readRecord(path);
        if (current === undefined) {
          return { applied: false, reason: 'not_found', record: undefined };
        }
        const judged = judgeUpdate(current, update);
        if (!judged.write) return judged.outcome;
        const next = judged.next;
        assertHeld();
        await writeRecord(path, next, 'replace');
        return { applied: true, record: next };
      });
    },
  };
}

async function readRecord(path: string): Promise<TaskRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (hasErrorCode(err, 'ENOENT')) {
      return undefined;
    }
    throw err;
  }
  return parseRecord(text);
}

async function writeRecord(path: string, record: TaskRecord, mode: 'replace' | 'exclusive'): Promise<boolean> {
  const bytes = Buffer.from(`${serializeRecord(record)}\n`, 'utf8');
  return writeFileAtomic(path, (file) => writeAll(file, bytes), mode);
}
