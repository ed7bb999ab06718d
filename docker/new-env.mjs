// Prints a docker/.env with fresh secrets for docker/compose.yaml (compose reads .env from this
// directory; it is git-ignored and never copied into an image):
//   node docker/new-env.mjs > docker/.env
// Passwords are 32 random bytes as base64url, so they go into an amqp:// URL as they are.
// ADMIN_API_KEY is the API's bootstrap admin key: `ofk_` and 43 base64url characters, the same as
//   node -e "console.log('ofk_'+require('crypto').randomBytes(32).toString('base64url'))"
// Keep the file: RabbitMQ keeps the administrator password it was first started with in its
// volume (rabbitmq-data), while the offload users' passwords are set again on every `up`.
import { randomBytes } from 'node:crypto';

const secret = () => randomBytes(32).toString('base64url');

const lines = [
  '# docker/compose.yaml secrets (made by docker/new-env.mjs). Keep this file private.',
  `RABBITMQ_ADMIN_PASSWORD=${secret()}`,
  `OFFLOAD_API_BROKER_PASSWORD=${secret()}`,
  `OFFLOAD_WORKER_BROKER_PASSWORD=${secret()}`,
  `OFFLOAD_DLQ_BROKER_PASSWORD=${secret()}`,
  `ADMIN_API_KEY=ofk_${secret()}`,
  // The bearer token of the API's /metrics (Prometheus, profile observability) and Grafana's admin password.
  `METRICS_TOKEN=${secret()}`,
  `GRAFANA_ADMIN_PASSWORD=${secret()}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
