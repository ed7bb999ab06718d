import type { Dialect } from './open-database';
import type { Executor } from './write-transaction';

/** Rows per statement: under SQLite's and PostgreSQL's parameter limits with room to spare. */
const CHUNK = 500;

/**
 * Links tasks to the uploads their content names, inside the transaction that creates the tasks.
 * PostgreSQL: the upload rows are share-locked first, until the transaction ends. The retention
 * sweep locks the uploads it is about to delete `FOR UPDATE SKIP LOCKED`, so it skips an upload
 * being linked right now, and a link that has to wait for a sweep's lock finds the row gone once
 * the sweep commits: no upload is deleted in the window between its link's insert and commit.
 * SQLite: write transactions run one at a time, so there is no such window.
 */
export async function linkUploads(executor: Executor, dialect: Dialect, links: readonly { task_id: string; upload_key: string }[]): Promise<void> {
  const unique = [...new Map(links.map((l) => [`${l.task_id} ${l.upload_key}`, l])).values()];
  if (dialect === 'postgres') {
    const keys = [...new Set(unique.map((l) => l.upload_key))];
    for (let i = 0; i < keys.length; i += CHUNK) {
      await executor.selectFrom('uploads').select('key').where('key', 'in', keys.slice(i, i + CHUNK)).forShare().execute();
    }
  }
  for (let i = 0; i < unique.length; i += CHUNK) {
    await executor
      .insertInto('task_uploads')
      .values(unique.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['task_id', 'upload_key']).doNothing())
      .execute();
  }
}
