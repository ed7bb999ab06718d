import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AnalysisContent, TaskResultRef } from '@offload/contracts';
import { outputKey, type Storage } from '@offload/storage';
import { inStageSpan } from '@offload/telemetry';
import { profileDataset, type AnalysisLimits } from '../analysis/profile-dataset';
import { z } from 'zod';
import { intVar } from '@offload/config';
import { defineWorkerTaskType, type TaskHandler } from './handler';

/**
 * Thin adapter: find the dataset as a local file (an upload, or inline rows written as NDJSON),
 * profile it, and store the JSON result under the task id.
 */
export function analysisHandler(limits: AnalysisLimits): TaskHandler<'analysis'> {
  return async (content, { taskId, storage, signal, progress, log }) => {
    const scratch = await mkdtemp(join(limits.tempDir, 'offload-dataset-'));
    try {
      const { path, format } = await datasetFile(content, storage, scratch);
      const result = await inStageSpan('query', { 'offload.task.id': taskId }, () =>
        profileDataset(
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
        ),
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

/** The engine's own memory limit as a share of the task's budget: its RSS runs well above it. */
export const ENGINE_MEMORY_SHARE = 0.35;

const analysisEnv = {
  ANALYSIS_MEMORY_MB: intVar('Memory budget of one analysis task (peak RSS); the engine gets 35% of it as its own limit', 1024, 128, 1024 * 1024),
  ANALYSIS_THREADS: intVar('Engine threads per analysis task', 2, 1, 64),
  ANALYSIS_MAX_COLUMNS: intVar('Columns a dataset may have (more: limit_exceeded)', 1000, 1, 100_000),
  ANALYSIS_MAX_CORRELATION_COLUMNS: intVar('Numeric columns the correlation matrix takes (more: limit_exceeded)', 100, 1, 10_000),
  ANALYSIS_MAX_GROUPS: intVar('Groups a group_by may produce (more: limit_exceeded)', 1000, 1, 1_000_000),
  ANALYSIS_TMP_DIR: z.string().min(1).optional().describe("Scratch space for the analysis engine's spill files (default: the OS temp dir)"),
};

/** The analysis limits from its variables. */
export function analysisLimits(env: z.output<z.ZodObject<typeof analysisEnv>>, defaultTempDir: string): AnalysisLimits {
  return {
    memoryLimitMb: Math.max(64, Math.floor(env.ANALYSIS_MEMORY_MB * ENGINE_MEMORY_SHARE)),
    threads: env.ANALYSIS_THREADS,
    tempDir: env.ANALYSIS_TMP_DIR ?? defaultTempDir,
    maxColumns: env.ANALYSIS_MAX_COLUMNS,
    maxCorrelationColumns: env.ANALYSIS_MAX_CORRELATION_COLUMNS,
    maxGroups: env.ANALYSIS_MAX_GROUPS,
  };
}

export const analysisWorkerType = defineWorkerTaskType({
  timeoutMs: 20 * 60 * 1000,
  maxAttempts: 3,
  env: analysisEnv,
  createHandler: (env, shared) => analysisHandler(analysisLimits(env, shared.tempDir)),
});
