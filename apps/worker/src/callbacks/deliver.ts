import {
  CALLBACK_ROUTING_KEY,
  DEFAULT_TENANT,
  callbackAttempted,
  decodeCallbackDelivery,
  delayRoutingKey,
  isTerminalStatus,
  webhookHeaders,
  type CallbackAttempt,
  type TaskRecord,
  type Topology,
} from '@offload/contracts';
import { CALLBACK_MESSAGE_TYPE, type Delivery, type Publisher } from '@offload/broker';
import type { RecordStore, WebhookSecretStore } from '@offload/storage';
import type { Logger } from '@offload/telemetry';
import type { CallbackAllow } from './callback-allow';
import { nextCallbackAttempt } from './callback-backoff';
import { CallbackRefusedError, checkWebhookTarget, resolveWithDns, type ResolveHost } from './outbound-guard';
import { WebhookRequestError, postWebhook } from './post-webhook';

/** How webhooks are delivered (CALLBACK_ALLOW, CALLBACK_TIMEOUT_MS, CALLBACK_RETRY_FOR_MS). */
export interface CallbackOptions {
  allow: CallbackAllow;
  timeoutMs: number;
  retryForMs: number;
  /** First retry delay. @defaultValue CALLBACK_BASE_DELAY_MS (1 s) */
  baseDelayMs?: number;
  /** @defaultValue dns.lookup with `all` */
  resolve?: ResolveHost;
  /** @defaultValue Math.random */
  random?: () => number;
}

export interface CallbackDelivererDeps {
  records: RecordStore;
  webhookSecrets: WebhookSecretStore;
  publisher: Pick<Publisher, 'publish'>;
  topology: Topology;
  logger: Logger;
  options: CallbackOptions;
}

const REQUEUE_PAUSE_MS = 1_000;

/** One POST of the record; the attempt as the record shows it. */
async function attempt(record: TaskRecord, deps: CallbackDelivererDeps, log: Logger): Promise<CallbackAttempt> {
  const at = new Date();
  const url = record.callback?.url ?? '';
  try {
    const target = await checkWebhookTarget(url, deps.options.allow, deps.options.resolve ?? resolveWithDns);
    const body = JSON.stringify(record);
    const secret = await deps.webhookSecrets.secretFor(record.tenant ?? DEFAULT_TENANT);
    // webhook-id is the task id on every attempt, so a receiver can drop the repeats.
    const signed = await webhookHeaders(secret, record.id, Math.floor(at.getTime() / 1000), body);
    const { statusCode } = await postWebhook({
      target,
      body,
      headers: { ...signed, 'content-type': 'application/json', 'user-agent': 'offload-webhooks' },
      timeoutMs: deps.options.timeoutMs,
    });
    const ok = statusCode >= 200 && statusCode < 300;
    const error = ok ? undefined : statusCode >= 300 && statusCode < 400 ? `the receiver answered ${statusCode}: redirects are not followed` : `the receiver answered ${statusCode}`;
    return { at: at.toISOString(), status_code: statusCode, ...(error === undefined ? {} : { error }) };
  } catch (err) {
    if (err instanceof CallbackRefusedError || err instanceof WebhookRequestError) {
      log.warn({ err, url }, 'webhook attempt failed');
      return { at: at.toISOString(), error: err.message };
    }
    throw err;
  }
}

/**
 * Returns the handler of the callback queue: reads the record, POSTs it (signed) when its webhook
 * is pending, records the attempt, and on failure sends the message back through the delay
 * cascade until CALLBACK_RETRY_FOR_MS after the task finished. Acks only once the record and any
 * republish are stored and confirmed (at-least-once: a receiver can see an attempt twice).
 */
export function createCallbackDeliverer(deps: CallbackDelivererDeps): (delivery: Delivery) => Promise<void> {
  const random = deps.options.random ?? Math.random;
  const logger = deps.logger.child({ component: 'webhooks' });

  const handle = async (delivery: Delivery): Promise<void> => {
    const decoded = decodeCallbackDelivery(delivery.body);
    if (!decoded.ok) {
      logger.warn({ message_id: delivery.messageId, problem: decoded.message }, 'dropping an undecodable webhook delivery');
      delivery.ack();
      return;
    }
    const taskId = decoded.delivery.task_id;
    const log = logger.child({ task_id: taskId });
    const record = await deps.records.get(taskId);
    if (record?.callback?.state !== 'pending' || !isTerminalStatus(record.status)) {
      delivery.ack();
      return;
    }
    const result = await attempt(record, deps, log);
    const delivered = result.status_code !== undefined && result.status_code >= 200 && result.status_code < 300;
    const finishedMs = Date.parse(record.finished_at ?? record.updated_at);
    const attemptNumber = record.callback.attempts.length + 1;
    const next = delivered ? undefined : nextCallbackAttempt(attemptNumber, finishedMs, Date.now(), deps.options, random);
    const state = delivered ? 'delivered' : next?.retry === true ? 'pending' : 'failed';
    const outcome = await deps.records.update(taskId, (current) => callbackAttempted(current, new Date(), result, state));
    // Another delivery of the same message settled the webhook first: nothing left to do.
    if (!outcome.applied) {
      delivery.ack();
      return;
    }
    if (next?.retry === true) {
      await deps.publisher.publish({
        exchange: deps.topology.delayEntryExchange,
        routingKey: delayRoutingKey(next.delayMs, CALLBACK_ROUTING_KEY),
        body: delivery.body,
        messageId: taskId,
        type: CALLBACK_MESSAGE_TYPE,
      });
    }
    const fields = { attempt: attemptNumber, status_code: result.status_code, state, retry_in_ms: next?.retry === true ? next.delayMs : undefined };
    if (state === 'failed') log.error({ ...fields, error: result.error }, 'webhook failed: retry window ended');
    else log.info(fields, state === 'delivered' ? 'webhook delivered' : 'webhook attempt failed; retrying');
    delivery.ack();
  };

  return async (delivery) => {
    try {
      await handle(delivery);
    } catch (err) {
      logger.warn({ err, message_id: delivery.messageId }, 'could not settle a webhook delivery; requeueing it');
      // A pause, so a record store or broker outage is not a hot loop of redeliveries.
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
      delivery.nack(true);
    }
  };
}
