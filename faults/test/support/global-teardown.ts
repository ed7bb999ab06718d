import { brokerNode, publishBrokerNode, stopBrokerNode } from './broker-node';

/** jest globalTeardown (runs when tests fail too): stops the suite's node and deletes its files. */
export default async function globalTeardown(): Promise<void> {
  const node = brokerNode();
  publishBrokerNode(undefined);
  await stopBrokerNode(node);
}
