// Counts the AWS API calls made through SDK clients: one per `client.send`, counted in the initialize
// step (before the SDK's own retries, which the sandbox answers but which are not separate calls).
import type { SandboxClient } from '../../src/sandbox/index.js';

export interface CallCounter {
  /** Calls per `Service.Command`. */
  readonly byCommand: Map<string, number>;
  total(): number;
  attach(client: SandboxClient): void;
  snapshot(): Record<string, number>;
}

export function createCallCounter(): CallCounter {
  const byCommand = new Map<string, number>();
  const label = (clientName: string | undefined) => (clientName ?? 'Unknown').replace(/Client$/, '').replace('ElasticLoadBalancingV2', 'ELBv2');
  return {
    byCommand,
    total: () => [...byCommand.values()].reduce((a, b) => a + b, 0),
    attach(client) {
      const stack = client.middlewareStack as unknown as {
        add(mw: (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => Promise<unknown>, options: { step: 'initialize'; name: string }): void;
      };
      stack.add(
        (next, context) => async (args) => {
          const key = `${label(context.clientName)}.${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
          byCommand.set(key, (byCommand.get(key) ?? 0) + 1);
          return next(args);
        },
        { step: 'initialize', name: 'benchCallCounter' },
      );
    },
    snapshot: () => Object.fromEntries([...byCommand].sort((a, b) => b[1] - a[1])),
  };
}
