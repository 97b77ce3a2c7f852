import { clusterMachine } from '../../../machines/cluster.machine.js';
import { fleetMachine } from '../../../machines/fleet.machine.js';
import { renderDiagram } from '../../diagram/index.js';
import type { CommandInput, FlagsOf } from '../command-table.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

const FORMATS = ['mermaid', 'dot', 'json', 'svg'] as const;

export async function diagramCommand({ values, positionals }: CommandInput<FlagsOf<'diagram'>>, io: CliIo): Promise<ExitCode> {
  if (positionals.length) throw new UsageError(`diagram takes no positional arguments, got "${positionals[0]}"`);
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${values.format}"`);
  const all = [
    { name: 'cluster', machine: clusterMachine },
    { name: 'fleet', machine: fleetMachine },
  ];
  const machines = values.machine === 'all' ? all : all.filter((m) => m.name === values.machine);
  if (!machines.length) throw new UsageError(`--machine must be cluster, fleet or all, got "${values.machine}"`);
  const out = await renderDiagram(format, machines as never);
  io.stdout(out.endsWith('\n') ? out : `${out}\n`);
  return EXIT.done;
}
