// `npm run schema`: writes the plan's JSON Schema (src/plan/json-schema.ts) to schema/plan.schema.json.
// test/plan/json-schema.test.ts fails when the committed file differs from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PLAN_SCHEMA_FILE, planJsonSchemaText } from '../src/plan/json-schema.js';

const file = join(import.meta.dirname, '..', PLAN_SCHEMA_FILE);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, planJsonSchemaText());
process.stderr.write(`wrote ${PLAN_SCHEMA_FILE}\n`);
