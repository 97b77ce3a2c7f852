// Where a run's "AWS" is: the real one (aws-connect.ts) or a sandbox world (sandbox-connect.ts). The CLI
// offers both; the Lambda handler imports aws-connect.ts alone, so its bundle carries no sandbox.
export { awsConnector } from './aws-connect.js';
export { connectToWorld, openWorld, sandboxConnector, sandboxReport, type SandboxConnectorOptions } from './sandbox-connect.js';
