// Counts every command sent through any AWS SDK client quiesce uses, whatever built the client: `send`
// is wrapped on each client class's prototype while the spy is installed. Hostile input must cost
// zero calls: it is refused before anything talks to AWS (or to the sandbox behind the same clients).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// DynamoDBDocumentClient sends through its own `send`, not DynamoDBClient's.
const CLIENTS = [ElasticLoadBalancingV2Client, ElastiCacheClient, CloudWatchClient, SecretsManagerClient, DynamoDBClient, DynamoDBDocumentClient];

export interface AwsCallSpy {
  readonly calls: string[];
  uninstall(): void;
}

export function installAwsCallSpy(): AwsCallSpy {
  const calls: string[] = [];
  const restores: Array<() => void> = [];
  for (const Client of CLIENTS) {
    const proto = Client.prototype as unknown as { send: (command: { constructor: { name: string } }, ...rest: unknown[]) => unknown };
    const own = Object.prototype.hasOwnProperty.call(proto, 'send');
    const original = proto.send;
    proto.send = function send(this: unknown, command, ...rest) {
      calls.push(`${Client.name} ${command.constructor.name}`);
      return original.call(this, command, ...rest);
    };
    restores.push(() => {
      if (own) proto.send = original;
      else delete (proto as { send?: unknown }).send;
    });
  }
  return { calls, uninstall: () => restores.forEach((r) => r()) };
}
