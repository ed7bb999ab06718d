import { DEFAULT_PREFIX } from './topology';

/**
 * Who talks to RabbitMQ, and what each may do there: the one place the deploy files' users and
 * permission regexes come from (a test holds them to it, another runs them on a real broker).
 */
export type BrokerRole = 'api' | 'worker' | 'dlq';

export const BROKER_ROLES: readonly BrokerRole[] = ['api', 'worker', 'dlq'];

/** The RabbitMQ user of each role in the compose file and the Kubernetes manifests. */
export const BROKER_USERS: Readonly<Record<BrokerRole, string>> = { api: 'offload-api', worker: 'offload-worker', dlq: 'offload-dlq' };

/**
 * RabbitMQ's three permission regexes of one user in one virtual host (`rabbitmqctl
 * set_permissions -p <vhost> <user> <configure> <write> <read>`). Each is matched against the
 * name of a queue or exchange: configure declares and deletes it; write publishes to an exchange,
 * binds to a queue or exchange as destination, and names it as a queue's dead-letter exchange;
 * read consumes or gets from a queue, binds from an exchange as source, and declares a queue
 * with a dead-letter exchange. `^$` matches no name. Passive declares need no permission.
 */
export interface BrokerPermissions {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

const NOTHING = '^$';

/** A prefix as a regex literal (QUEUE_PREFIX allows `-` and `_`, which need no escape; kept safe anyway). */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The least each role needs on the topology of `prefix`, in regexes that name no task type or
 * delay level, so adding either never touches a deploy file:
 *
 * - `api` publishes tasks to `<prefix>.tasks`, and reads `<prefix>.dead-letter` (basic.get, ack)
 *   for the admin routes /v1/dead-letters, which list, re-drive (to `<prefix>.tasks`) and purge
 *   as the DLQ command does. It declares nothing: it checks passively that the workers declared
 *   the topology (BROKER_DECLARE_TOPOLOGY=false), and reads queue depths for GET /v1/stats with
 *   passive declares (or the management API).
 * - `worker` declares the whole topology (configure and write on every name, since a binding
 *   needs write on its destination and a queue's dead-letter exchange needs write), consumes the
 *   work queues, `<prefix>.dead-letter.events` and `<prefix>.callbacks` (webhooks), and publishes retries (delay cascade), dead
 *   letters and requeues on shutdown. It may not read `<prefix>.dead-letter`: only the DLQ
 *   command and the API's admin routes take entries out of it.
 * - `dlq` reads `<prefix>.dead-letter` (basic.get, ack) and re-drives to `<prefix>.tasks`.
 */
export function brokerPermissions(prefix: string = DEFAULT_PREFIX): Readonly<Record<BrokerRole, BrokerPermissions>> {
  const p = literal(prefix);
  const exchangesAndQueues = (names: string) => `^${p}\\.(?:${names})$`;
  // Work queues `task.<type>` and `task.<type>.high`, in the task-type shape the KEDA trigger counts too.
  const workQueues = 'task\\.[a-z][a-z0-9_-]*(?:\\.high)?';
  const delay = 'delay\\.(?:out|\\d+)';
  const everything = exchangesAndQueues(`tasks|dead|dead-letter|dead-letter\\.events|callbacks|${delay}|${workQueues}`);
  const taskExchange = `^${p}\\.tasks$`;
  const deadLetterQueue = `^${p}\\.dead-letter$`;
  return {
    api: { configure: NOTHING, write: taskExchange, read: deadLetterQueue },
    worker: {
      configure: everything,
      write: everything,
      read: exchangesAndQueues(`tasks|dead|dead-letter\\.events|callbacks|${delay}|${workQueues}`),
    },
    dlq: { configure: NOTHING, write: taskExchange, read: deadLetterQueue },
  };
}
