import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests use (`.ci/run` makes sure one runs on 127.0.0.1:5432). Each test
 * file makes a database of its own and drops it afterwards, so files never see each other's rows.
 */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** A URL to a database nothing else uses. */
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `offload_test_<uuid>` on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `offload_test_${randomUUID().replaceAll('-', '')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    url: withDatabase(TEST_POSTGRES_URL, name),
    // WITH (FORCE) ends the connections a test left open (PostgreSQL 13+).
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
