// Helpers for the analysis tests: datasets written to a temp dir, profiled with test limits.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import type { AnalysisResult, ColumnProfile } from '@offload/contracts';
import { profileDataset, type AnalysisLimits, type ProfileOptions } from '../src/analysis/profile-dataset';

export interface RunOptions {
  limits?: Partial<AnalysisLimits>;
  signal?: AbortSignal;
  progress?: (fraction: number) => void;
}

export interface Scratch {
  /** Writes a dataset file and returns its path. */
  write(name: string, content: string | Buffer): Promise<string>;
  /** Profiles a file with small test limits, any of them overridden. */
  profile(path: string, options?: Partial<ProfileOptions>, run?: RunOptions): Promise<AnalysisResult>;
  /** What the engine left in its temp dir (nothing, once a profile has finished). */
  engineLeftovers(): Promise<string[]>;
  remove(): Promise<void>;
}

export async function createScratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'offload-profile-'));
  const engineDir = join(dir, 'engine');
  const dataDir = join(dir, 'data');
  await Promise.all([mkdir(engineDir), mkdir(dataDir)]);
  const limits: AnalysisLimits = { memoryLimitMb: 256, threads: 2, tempDir: engineDir, maxColumns: 50, maxCorrelationColumns: 10, maxGroups: 20 };
  return {
    async write(name, content) {
      const path = join(dataDir, name);
      await writeFile(path, content);
      return path;
    },
    profile: (path, options = {}, run = {}) =>
      profileDataset(path, { histogramBins: 10, ...options }, { ...limits, ...run.limits }, run.signal ?? new AbortController().signal, run.progress ?? (() => undefined)),
    engineLeftovers: () => readdir(engineDir),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The profile of one column, failing the test when there is none. */
export function column(result: AnalysisResult, name: string): ColumnProfile {
  const found = result.columns.find((c) => c.name === name);
  expect(found).toBeDefined();
  if (found === undefined) throw new Error(`no column ${name}`);
  return found;
}
