import { describe, expect, it } from '@jest/globals';
import { BROKER_ROLES, BROKER_USERS, brokerPermissions, type BrokerRole } from './broker-permissions';
import { buildTopology, DEFAULT_PREFIX, type Topology } from './topology';

type Operation = 'configure' | 'write' | 'read';

/** What each role must be allowed, from what its code does with the topology (see the TSDoc). */
function needed(topology: Topology): Record<BrokerRole, Record<Operation, Set<string>>> {
  const all = new Set([...topology.exchanges.map((e) => e.name), ...topology.queues.map((q) => q.name)]);
  const without = (name: string) => new Set([...all].filter((n) => n !== name));
  return {
    api: { configure: new Set(), write: new Set([topology.taskExchange]), read: new Set([topology.deadLetterQueue]) },
    worker: { configure: all, write: all, read: without(topology.deadLetterQueue) },
    dlq: { configure: new Set(), write: new Set([topology.taskExchange]), read: new Set([topology.deadLetterQueue]) },
  };
}

describe('brokerPermissions', () => {
  it.each(['offload', 'test-0b6f0b7e-8d0a-4a39-9a40-4f1c1d8f5a11', 'a_b'])(
    'allows each role exactly the names of the %s topology it uses',
    (prefix) => {
      const topology = buildTopology(prefix);
      const names = [...topology.exchanges.map((e) => e.name), ...topology.queues.map((q) => q.name)];
      const permissions = brokerPermissions(prefix);
      const want = needed(topology);
      for (const role of BROKER_ROLES) {
        for (const operation of ['configure', 'write', 'read'] as const) {
          const regex = new RegExp(permissions[role][operation]);
          for (const name of names) expect([role, operation, name, regex.test(name)]).toEqual([role, operation, name, want[role][operation].has(name)]);
        }
      }
    },
  );

  it("matches nothing of another prefix, the default exchange or RabbitMQ's own names", () => {
    const others = [
      ...buildTopology('offload2').queues.map((q) => q.name),
      ...buildTopology('offload2').exchanges.map((e) => e.name),
      'offload',
      'offloadXtasks',
      'x.offload.tasks',
      'offload.tasks.x',
      'offload.task.',
      'offload.task.a.b',
      // RabbitMQ checks a publish to the default exchange ('') under this name.
      'amq.default',
      'amq.direct',
      'amq.rabbitmq.reply-to',
    ];
    for (const role of BROKER_ROLES) {
      for (const regex of Object.values(brokerPermissions(DEFAULT_PREFIX)[role])) {
        for (const name of others) expect([role, regex, name, new RegExp(regex).test(name)]).toEqual([role, regex, name, false]);
      }
    }
  });

  it('is anchored at both ends and names a user per role', () => {
    for (const role of BROKER_ROLES) {
      for (const regex of Object.values(brokerPermissions()[role])) expect(regex).toMatch(/^\^.*\$$/);
      expect(BROKER_USERS[role]).toMatch(/^offload-[a-z]+$/);
    }
    expect(new Set(Object.values(BROKER_USERS)).size).toBe(BROKER_ROLES.length);
  });
});
