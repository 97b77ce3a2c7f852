import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { attachCallLog } from '../aws/call-log.js';
import { createAwsClients, resolveAwsConfig } from '../aws/clients.js';
import { newFirstContact } from '../aws/retry-budget.js';
import { systemClock } from '../ports/clock.js';
import { AWS_METRICS_LAG_MS } from '../ports/metrics.js';
import type { RunRecord } from '../store/run-store.js';
import { connectionPorts } from './ports.js';
import type { Connection } from '../run/engine.js';
import { awsProbes } from './probes.js';
import { realRunbook } from './runbook.js';
import { awsNotifications } from './notifications.js';

// A run against the real AWS through the default credential chain. Kept apart from the sandbox
// connection so that the Lambda bundle, which only ever talks to AWS, does not carry the sandbox.


export interface AwsConnectorOptions {
  logger: Logger;
  profile?: string;
  /** Where operators' commands in notifications point (`--table T`, `--state-dir D`). */
  operatorFlags?: string;
}

export function awsConnector(options: AwsConnectorOptions): (record: RunRecord) => Promise<Connection> {
  return async (record) => {
    const region = record.target.kind === 'aws' ? record.target.region : record.plan.region;
    const profile = record.target.kind === 'aws' ? (record.target.profile ?? options.profile) : options.profile;
    const config = await resolveAwsConfig({ region, ...(profile ? { profile } : {}) });
    const clients = createAwsClients({ region: config.region, credentials: config.credentials, maxAttempts: 3, retryMode: 'standard', logger: options.logger });
    const clock = systemClock;
    const p = connectionPorts(clients, clock, options.logger, undefined, newFirstContact());
    let secretsManager: SecretsManagerClient | undefined;
    // Only a plan reading a secret (the Redis AUTH token, the webhook URL) needs (and may call) the service.
    const secrets = () => {
      if (!secretsManager) {
        secretsManager = new SecretsManagerClient({ region: config.region, credentials: config.credentials, maxAttempts: 3, retryMode: 'standard' });
        attachCallLog(secretsManager, options.logger);
      }
      return secretsManager;
    };
    return {
      ...p,
      clock,
      metricsLagMs: AWS_METRICS_LAG_MS,
      runbook: realRunbook(options.logger),
      notifications: awsNotifications(record.plan, {
        logger: options.logger,
        region: config.region,
        credentials: config.credentials,
        operatorFlags: options.operatorFlags ?? '',
        secretsManager: secrets,
      }),
      probes: awsProbes(record.plan, p, { logger: options.logger, clock, secretsManager: secrets }),
    };
  };
}
