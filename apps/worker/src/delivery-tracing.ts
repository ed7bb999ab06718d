import type { Delivery } from '@offload/broker';
import type { Storage } from '@offload/storage';
import { inProcessSpan, inSettleSpan, inStageSpan, isTracing, SPAN_ATTRIBUTES } from '@offload/telemetry';

/**
 * Runs a delivery's whole handling (decode, run, settle) in its CONSUMER `process <queue>` span,
 * so the per-delivery logger's lines carry its trace_id and span_id; its ack or nack each get a
 * `settle` span. With tracing off: `handle(delivery)`.
 */
export function traceDelivery(delivery: Delivery, handle: (delivery: Delivery) => Promise<void>): Promise<void> {
  if (!isTracing()) return handle(delivery);
  return inProcessSpan(
    { queue: delivery.queue, messageId: delivery.messageId, type: delivery.type, bodySize: delivery.body.length, headers: delivery.headers, deliveryCount: delivery.deliveryCount },
    () => handle(withSettleSpans(delivery)),
  );
}

function withSettleSpans(delivery: Delivery): Delivery {
  return {
    queue: delivery.queue,
    body: delivery.body,
    messageId: delivery.messageId,
    type: delivery.type,
    headers: delivery.headers,
    deliveryCount: delivery.deliveryCount,
    redelivered: delivery.redelivered,
    ack: () => inSettleSpan(delivery.queue, 'ack', () => delivery.ack(), delivery.messageId),
    nack: (requeue) => inSettleSpan(delivery.queue, requeue ? 'nack' : 'reject', () => delivery.nack(requeue), delivery.messageId),
    isLive: () => delivery.isLive(),
  };
}

/**
 * The storage a handler sees, its blob reads in `read input` spans and its writes in
 * `write output` spans (children of the active `process` span). Unchanged with tracing off.
 */
export function tracedStorage(storage: Storage, taskId: string): Storage {
  if (!isTracing()) return storage;
  const blobs = storage.blobs;
  const read = (key: string) => ({ [SPAN_ATTRIBUTES.taskId]: taskId, 'offload.blob.key': key });
  return {
    ...storage,
    checkWritable: () => storage.checkWritable(),
    close: () => storage.close(),
    blobs: {
      ...blobs,
      put: (key, source, options) => inStageSpan('write output', read(key), () => blobs.put(key, source, options)),
      read: (key) => inStageSpan('read input', read(key), () => blobs.read(key)),
      readHead: (key, maxBytes) => inStageSpan('read input', read(key), () => blobs.readHead(key, maxBytes)),
      open: (key) => inStageSpan('read input', read(key), () => blobs.open(key)),
      exists: (key) => blobs.exists(key),
      delete: (key) => blobs.delete(key),
      localPath: (key) => blobs.localPath(key),
    },
  };
}

/** A record move (start, succeeded) in a `record` span. */
export function recordStage<T>(taskId: string, move: string, fn: () => Promise<T>): Promise<T> {
  return inStageSpan('record', { [SPAN_ATTRIBUTES.taskId]: taskId, 'offload.record.move': move }, fn);
}
