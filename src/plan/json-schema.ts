// The plan's JSON Schema, for editors (schema/plan.schema.json; every example plan names it in its first
// line). Generated from the zod schema, with the hints schema.ts registers for what zod cannot derive.
// Draft-07: what the YAML language server implements. Not loaded by the CLI or the Lambda handler.
import * as z from 'zod/mini';
import { maintenanceStep, planJsonSchemaHints, planSchema, STEP_SCHEMAS } from './schema.js';

/** Where the schema is committed, from the repository root; `npm run schema` writes it. */
export const PLAN_SCHEMA_FILE = 'schema/plan.schema.json';

type JsonObject = Record<string, unknown>;

// Formats zod names that JSON Schema does not have (z.startsWith gives "starts_with"; its pattern stays).
const JSON_SCHEMA_FORMATS = new Set(['date-time', 'date', 'time', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uuid', 'regex']);

function convert(schema: z.core.$ZodType): JsonObject {
  const json = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    metadata: planJsonSchemaHints,
    override: ({ zodSchema, jsonSchema }) => {
      const out = jsonSchema as JsonObject;
      // Steps are told apart by their leading key in a transform zod cannot see through.
      if (zodSchema === maintenanceStep) {
        out.anyOf = Object.values(STEP_SCHEMAS).map((step) => {
          const { $schema: _, ...rest } = convert(step);
          return rest;
        });
      }
      if (typeof out.format === 'string' && !JSON_SCHEMA_FORMATS.has(out.format)) delete out.format;
      // z.int() bounds every whole number by the safe integers: true, and noise in an editor.
      if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
      if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    },
  }) as JsonObject;
  return json;
}

export function planJsonSchema(): JsonObject {
  const { $schema, title, ...rest } = convert(planSchema);
  return {
    $schema,
    title,
    description:
      'A quiesce maintenance plan. Generated from src/plan/schema.ts (npm run schema). `quiesce validate` remains the authority: ' +
      "it also checks what JSON Schema cannot (ARNs in the plan's region and the listener's account, a rule of the listener, " +
      'increasing ramp steps, minActiveClusters below the number of clusters, unique names, drain.minimum <= drain.timeout, ' +
      'verify.stableFor < verify.timeout, version keys written as quoted strings).',
    ...rest,
  };
}

/** The committed file's text. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
