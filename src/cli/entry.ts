import { main } from './main.js';
import { processIo } from './io.js';

// The only place that exits the process.
const code = await main(process.argv.slice(2), processIo());
process.exitCode = code;
