// The JSON Schema files the package ships, rendered from the zod schemas: one place that both
// `npm run schemas` (which writes them) and the drift test (which compares them) read.
import { join } from 'node:path';
import {
  problemJsonSchema,
  taskInputJsonSchema,
  taskPayloadJsonSchema,
  taskRecordJsonSchema,
  taskResultJsonSchema,
  type JsonSchema,
} from '../src/json-schema';
import { TASK_TYPES } from '../src/task-types/index';

/** Committed, shipped in the tarball, and mapped by `exports` (`./*.schema.json`). */
export const SCHEMAS_DIR = join(__dirname, '..', 'schemas');

export const WRITE_COMMAND = 'npm run schemas -w @offload/contracts';

/** File name → file text. Every registered task type gets its result schema without a line here. */
export function renderJsonSchemaFiles(): Map<string, string> {
  const schemas: [string, JsonSchema][] = [
    ['task-input.schema.json', taskInputJsonSchema()],
    ['task-payload.schema.json', taskPayloadJsonSchema()],
    ['task-record.schema.json', taskRecordJsonSchema()],
    ['problem.schema.json', problemJsonSchema()],
    ...TASK_TYPES.map((t): [string, JsonSchema] => [`${t}-result.schema.json`, taskResultJsonSchema(t)]),
  ];
  return new Map(schemas.map(([file, schema]) => [file, `${JSON.stringify(schema, null, 2)}\n`]));
}
