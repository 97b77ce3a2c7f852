// Where a run's "AWS" is: the real one (aws.ts) or a sandbox world (sandbox.ts). The CLI offers both;
// the Lambda handler imports aws.ts alone, so its bundle carries no sandbox.
export { awsConnector } from './aws.js';
export { connectToWorld, openWorld, sandboxConnector, sandboxReport, type SandboxConnectorOptions } from './sandbox.js';
