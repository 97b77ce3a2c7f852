// The events the Lambda handler accepts, in zod/mini like the plan schema (classic zod would put
// ~85 kB back into the bundle; docs/performance.md, finding 7).
import * as z from 'zod/mini';

const runId = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a run id such as run-20260105-090000Z-abc123'));
const by = z.string().check(z.minLength(1), z.maxLength(200));

export const eventSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('start'),
    plan: z.unknown(),
    idempotencyKey: z.string().check(z.minLength(1), z.maxLength(512)),
    sandbox: z.optional(z.boolean()),
  }),
  z.strictObject({ action: z.literal('advance'), runId }),
  z.strictObject({ action: z.literal('approve'), runId, by }),
  z.strictObject({ action: z.literal('abort'), runId, by, reason: z.optional(z.string().check(z.maxLength(1000))) }),
  z.strictObject({ action: z.literal('status'), runId }),
]);

export type QuiesceEvent = z.output<typeof eventSchema>;
export type EventIssue = z.core.$ZodIssue;
