import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AnalysisContent, TaskResultRef } from '@offload/contracts';
import { outputKey, type Storage } from '@offload/storage';
import { profileDataset, type AnalysisLimits } from '../analysis/profile-dataset';
import type { TaskHandler } from './handler';

/**
 * Thin adapter: find the dataset as a local file (an upload, or inline rows written as NDJSON),
 * profile it, and store the JSON result under the task id.
 */
export function analysisHandler(limits: AnalysisLimits): TaskHandler<'analysis'> {
  return async (content, { taskId, storage, signal, progress, log }) => {
    const scratch = await mkdtemp(join(limits.tempDir, 'offload-dataset-'));
    try {
      const { path, format } = await datasetFile(content, storage, scratch);
      const result = await profileDataset(
        path,
        {
          // Errors name the data as the client knows it: its upload key, never the blob's path.
          source: content.dataset === undefined ? 'the inline rows' : `the upload ${content.dataset}`,
          ...(format === undefined ? {} : { format }),
          ...(content.delimiter === undefined ? {} : { delimiter: content.delimiter }),
          ...(content.columns === undefined ? {} : { columns: content.columns }),
          ...(content.group_by === undefined ? {} : { groupBy: content.group_by }),
          histogramBins: content.histogram_bins,
        },
        limits,
        signal,
        progress,
      );
      const key = outputKey(taskId, 'json');
      const { bytes } = await storage.blobs.put(key, Buffer.from(JSON.stringify(result)));
      log.debug({ output_key: key, bytes, rows: result.row_count, columns: result.columns.length }, 'analysis stored');
      const ref: TaskResultRef = { output_key: key, content_type: 'application/json', row_count: result.row_count, column_count: result.columns.length, bytes };
      return ref;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };
}

async function datasetFile(content: AnalysisContent, storage: Storage, scratch: string): Promise<{ path: string; format: AnalysisContent['format'] }> {
  if (content.dataset === undefined) {
    const path = join(scratch, 'rows.ndjson');
    await pipeline(
      (function* () {
        for (const row of content.rows ?? []) yield `${JSON.stringify(row)}\n`;
      })(),
      createWriteStream(path),
    );
    return { path, format: 'ndjson' };
  }
  const local = storage.blobs.localPath(content.dataset);
  if (local !== undefined && (await storage.blobs.exists(content.dataset))) return { path: local, format: content.format };
  // A store without local files (or a missing upload, which `open` reports as missing_upload).
  const { stream } = await storage.blobs.open(content.dataset);
  const path = join(scratch, 'dataset');
  await pipeline(stream, createWriteStream(path));
  return { path, format: content.format };
}
