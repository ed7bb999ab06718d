import type { Rendition, ThumbnailResult } from '@offload/contracts';
import { outputKey } from '@offload/storage';
import { inStageSpan } from '@offload/telemetry';
import { renderThumbnails, type ThumbnailLimits } from '../thumbnail/render-thumbnails';
import { defineWorkerTaskType, type TaskHandler } from './handler';

const EXTENSIONS: Readonly<Record<string, string>> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'avif' };

/**
 * Thin adapter: read the upload, make every rendition, store each under a key derived from the
 * task id and its name (so a redelivered task rewrites the same blobs), then the manifest.
 */
export function thumbnailHandler(limits: ThumbnailLimits): TaskHandler<'thumbnail'> {
  return async (content, { taskId, storage, signal, progress, log }) => {
    const image = await storage.blobs.read(content.image);
    signal.throwIfAborted();
    const rendered = await inStageSpan('render', { 'offload.task.id': taskId }, () =>
      renderThumbnails(image, content, limits, signal, (done, total) => progress(done / (total + 1))),
    );
    const outputs: Rendition[] = [];
    for (const r of rendered) {
      const key = outputKey(taskId, `${r.name}.${EXTENSIONS[r.contentType] ?? 'bin'}`);
      const { bytes } = await storage.blobs.put(key, r.data);
      outputs.push({ name: r.name, output_key: key, content_type: r.contentType, width: r.width, height: r.height, bytes });
    }
    const manifest = outputKey(taskId, 'json');
    const renditions = outputs.map(({ output_key: _key, ...rest }) => ({ ...rest, href: `/v1/tasks/${taskId}/outputs/${rest.name}` }));
    await storage.blobs.put(manifest, Buffer.from(JSON.stringify({ renditions })));
    log.debug({ renditions: outputs.length }, 'thumbnails stored');
    const result: ThumbnailResult = { output_key: manifest, content_type: 'application/json', outputs };
    return result;
  };
}

export const thumbnailWorkerType = defineWorkerTaskType({
  timeoutMs: 2 * 60 * 1000,
  maxAttempts: 5,
  env: {},
  createHandler: (_env, shared) => thumbnailHandler({ limitInputPixels: shared.imageMaxPixels }),
});
