// Entry for the cdk CLI (cdk.json: "npx tsx infra/app.ts"). The CLI passes context and the output
// directory through the environment; `new App()` reads both.
import { buildApp } from './build-app.js';

buildApp().app.synth();
