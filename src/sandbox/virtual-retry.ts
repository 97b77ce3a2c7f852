// The SDK's own StandardRetryStrategy (same classification, attempts and retry quota), with
// its sleep moved onto the world's virtual clock: the backoff advances the world and tells
// the SDK to wait 0 ms, so throttled calls retry after the bucket has really refilled.
import { StandardRetryStrategy, type StandardRetryStrategyOptions } from '@smithy/util-retry';
import type { SandboxWorld } from './world.js';

type Backoff = NonNullable<StandardRetryStrategyOptions['backoff']>;

const MAX_DELAY_MS = 20_000;

export interface VirtualRetryOptions {
  /** Total attempts including the first; the SDK default is 3. */
  maxAttempts?: number;
}

export function createVirtualRetryStrategy(world: SandboxWorld, options: VirtualRetryOptions = {}): StandardRetryStrategy {
  let base = 100;
  const backoff: Backoff = {
    // Full jitter as in the SDK, drawn from the world's seeded generator for determinism.
    computeNextBackoffDelay(retryAttempt: number): number {
      const delay = Math.floor(world.random() * Math.min(base * 2 ** retryAttempt, MAX_DELAY_MS));
      world.advanceBy(delay);
      return 0;
    },
    setDelayBase(delay: number): void {
      base = delay;
    },
  };
  return new StandardRetryStrategy({ maxAttempts: options.maxAttempts ?? 3, backoff });
}
