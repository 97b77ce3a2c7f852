// Enum values of the service models. The SDK's schema objects do not carry them (an enum member's
// schema is plain "string"), but the same packages ship both halves: their generated type declarations
// name each member's enum (`State?: TargetHealthStateEnum | undefined;` in dist-types/models/), and
// the enum's values are exported at runtime (`TargetHealthStateEnum.HEALTHY === "healthy"`). Read once,
// on the first check that needs them.
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import * as elasticacheSdk from '@aws-sdk/client-elasticache';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import * as ecsSdk from '@aws-sdk/client-ecs';
import * as ssmSdk from '@aws-sdk/client-ssm';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PACKAGES: Array<[string, Record<string, unknown>]> = [
  ['@aws-sdk/client-elastic-load-balancing-v2', elbv2Sdk],
  ['@aws-sdk/client-elasticache', elasticacheSdk],
  ['@aws-sdk/client-cloudwatch', cloudwatchSdk],
  ['@aws-sdk/client-ssm', ssmSdk],
  ['@aws-sdk/client-ecs', ecsSdk],
];

/** `namespace#Structure.member` -> the values of the member's enum (for a list member, of its items). */
let enums: Map<string, ReadonlySet<string>> | undefined;

export function enumOf(structureId: string, member: string): ReadonlySet<string> | undefined {
  enums ??= readEnums();
  return enums.get(`${structureId}.${member}`);
}

function readEnums(): Map<string, ReadonlySet<string>> {
  const found = new Map<string, ReadonlySet<string>>();
  const require = createRequire(import.meta.url);
  for (const [pkg, sdk] of PACKAGES) {
    const namespace = namespaceOf(sdk);
    // The package's entry is dist-cjs/index.js; its declarations sit beside it in dist-types.
    const models = join(dirname(require.resolve(pkg)), '..', 'dist-types', 'models');
    const before = found.size;
    for (const file of readdirSync(models).filter((f) => /^models_\d+\.d\.ts$/.test(f))) {
      let structure = '';
      // One pass over the file (a third of the time of a regex per line): `export interface X {` opens a
      // structure, `    Member?: Type | undefined;` (or `Type[]`) is one of its members.
      for (const match of readFileSync(join(models, file), 'utf8').matchAll(/^export interface (\w+)|^ +(\w+)\??: (\w+)(?:\[\])? \| undefined;$/gm)) {
        if (match[1] !== undefined) {
          structure = match[1];
          continue;
        }
        const values = structure === '' ? undefined : enumValues(sdk[match[3] ?? '']);
        if (values) found.set(`${namespace}#${structure}.${match[2]}`, values);
      }
    }
    // A package layout we cannot read must not quietly turn the enum check off.
    if (found.size === before) throw new Error(`no enum member found in the type declarations of ${pkg} (${models})`);
  }
  return found;
}

/** The values of an exported enum object (`{ HEALTHY: "healthy", ... }`), or undefined for anything else. */
function enumValues(value: unknown): ReadonlySet<string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const values = Object.values(value);
  if (values.length === 0 || !values.every((v): v is string => typeof v === 'string')) return undefined;
  return new Set(values);
}

function namespaceOf(sdk: Record<string, unknown>): string {
  for (const value of Object.values(sdk)) {
    // Any operation schema: [9, namespace, name, traits, input, output].
    if (Array.isArray(value) && value[0] === 9 && typeof value[1] === 'string') return value[1];
  }
  throw new Error('an SDK client package without operation schemas');
}
