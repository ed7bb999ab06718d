import { publishBrokerNode, startBrokerNode } from './broker-node';

/** jest globalSetup: the faults suite's own RabbitMQ node, up before the first test file. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const node = await startBrokerNode();
  publishBrokerNode(node);
  process.stdout.write(`\n[faults] RabbitMQ node ${node.name} on port ${node.port} up in ${Date.now() - started} ms\n`);
}
