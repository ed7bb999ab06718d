import type { WatermarkResult } from '@offload/contracts';
import { outputKey } from '@offload/storage';
import { inStageSpan } from '@offload/telemetry';
import { renderWatermark, type WatermarkLimits } from '../watermark/render-watermark';
import { defineWorkerTaskType, type TaskHandler } from './handler';

/** Thin adapter: read the uploads, run the sharp pipeline, store the output under its task id. */
export function watermarkHandler(limits: WatermarkLimits): TaskHandler<'watermark'> {
  return async (content, { taskId, storage, signal, progress, log }) => {
    const image = await storage.blobs.read(content.image);
    const logo = content.watermark.logo === undefined ? undefined : await storage.blobs.read(content.watermark.logo);
    signal.throwIfAborted();
    const output = await inStageSpan('render', { 'offload.task.id': taskId }, () =>
      renderWatermark({ image, ...(logo ? { logo } : {}), options: content.watermark, limits, signal, onProgress: progress }),
    );
    const key = outputKey(taskId, output.format === 'jpeg' ? 'jpg' : output.format);
    const { bytes } = await storage.blobs.put(key, output.data);
    log.debug({ output_key: key, bytes, width: output.width, height: output.height, pages: output.pages }, 'watermark stored');
    const result: WatermarkResult = {
      output_key: key,
      content_type: output.contentType,
      format: output.format,
      width: output.width,
      height: output.height,
      pages: output.pages,
      bytes,
    };
    return result;
  };
}

export const watermarkWorkerType = defineWorkerTaskType({
  timeoutMs: 2 * 60 * 1000,
  maxAttempts: 5,
  env: {},
  createHandler: (_env, shared) => watermarkHandler({ limitInputPixels: shared.imageMaxPixels }),
});
