// After tsc: writes the JSON Schemas next to the compiled code, so services in other languages
// can take them from the package (`@offload/contracts/task-payload.schema.json`).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const contracts = require('../dist/index.js');

const out = join(__dirname, '..', 'dist', 'schemas');
mkdirSync(out, { recursive: true });
for (const [file, make] of [
  ['task-payload.schema.json', contracts.taskPayloadJsonSchema],
  ['task-input.schema.json', contracts.taskInputJsonSchema],
  ['task-record.schema.json', contracts.taskRecordJsonSchema],
]) {
  writeFileSync(join(out, file), `${JSON.stringify(make(), null, 2)}\n`);
}
