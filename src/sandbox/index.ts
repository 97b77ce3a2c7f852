// Public surface of the sandbox: a deterministic model of the AWS world behind the real SDK clients.
export { attachSandbox, createSandboxClients, SANDBOX_MIDDLEWARE_NAME } from './attach.js';
export type { SandboxClient, SandboxClientOptions, SandboxClients } from './attach.js';
export { defaultWorldFromPlan, worldFromFile } from './create-world.js';
export type { WorldOptions } from './create-world.js';
export { HISTORY_MS } from './history.js';
export { formatDuration, parseDuration } from './duration.js';
export type { SimulatedRequest } from './elbv2-routing.js';
export { loadWorld, saveWorld } from './persistence.js';
export type { SandboxPlan, SandboxPlanCluster } from './plan-input.js';
export { SandboxUnsupportedError } from './sdk-errors.js';
export type { Mutation, SandboxService, Violation, ViolationKind, WorldState } from './state.js';
export { createVirtualRetryStrategy } from './virtual-retry.js';
export type { VirtualRetryOptions } from './virtual-retry.js';
export { DEFAULT_START } from './world-build.js';
export { parseWorldFile, validateWorldFile, WorldFileError } from './world-file.js';
export type { WorldEvent, WorldFile } from './world-file.js';
export { SandboxWorld } from './world.js';
export type { CacheProbe, SimulatedResponse, TrafficTotals } from './world.js';
