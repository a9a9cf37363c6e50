/**
 * `crosstalk bench [suites..]`: runs the benchmark suites of scripts/bench
 * (every scripts/bench/<suite>.js; nats and jetstream need nats-server on
 * the PATH) in a child process with the flags they need, and prints their
 * table. The same as `npm run bench`, from the command line.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';

interface BenchArgs {
  suites?: string[];
  quick: boolean;
  check: boolean;
  runs?: number;
}

const RUNNER = fileURLToPath(new URL('../../../scripts/bench/run.js', import.meta.url));
/** The suites scripts/bench/run.js runs: its files, less the runner, the shared library and helpers (`_name.js`). */
const SUITES = existsSync(RUNNER)
  ? readdirSync(new URL('../../../scripts/bench/', import.meta.url))
      .filter((f) => f.endsWith('.js') && !f.startsWith('_') && f !== 'run.js' && f !== 'lib.js')
      .map((f) => f.slice(0, -3))
      .sort()
  : [];

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench [suites..]',
  describe: `measure throughput and latency (suites: ${SUITES.join(', ')}; default all)`,
  builder: (y: Argv<object>) =>
    y
      .positional('suites', { type: 'string', array: true, describe: `which suites (${SUITES.join(', ')})` })
      .option('quick', { type: 'boolean', default: false, describe: 'smaller workloads, for a smoke run' })
      .option('check', { type: 'boolean', default: false, describe: 'also verify the benchmarks’ answers (exit 1 on a wrong one)' })
      .option('runs', { type: 'number', describe: 'run each suite this many times and report medians' })
      .example('$0 bench core --quick', 'a quick look at the core bus')
      .example('$0 bench --runs 3 --check', 'every suite, medians of three, with checks') as unknown as Argv<BenchArgs>,
  handler: async (argv) => {
    for (const s of argv.suites ?? []) {
      if (!SUITES.includes(s)) {
        process.stderr.write(`crosstalk bench: unknown suite ${JSON.stringify(s)}; suites are ${SUITES.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
    }
    if (argv.runs !== undefined && (!Number.isInteger(argv.runs) || argv.runs < 1)) {
      process.stderr.write(`crosstalk bench: Expected --runs to be a whole number >= 1, got ${argv.runs}\n`);
      process.exitCode = 2;
      return;
    }
    const runner = RUNNER;
    if (!existsSync(runner)) {
      process.stderr.write('crosstalk bench: the benchmark suites (scripts/bench) are not part of this installation\n');
      process.exitCode = 1;
      return;
    }
    const args = [...(argv.suites ?? [])];
    if (argv.quick) args.push('--quick');
    if (argv.check) args.push('--check');
    if (argv.runs !== undefined) args.push('--runs', String(argv.runs));
    const child = spawn(process.execPath, ['--expose-gc', '--no-node-snapshot', runner, ...args], { stdio: 'inherit' });
    process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  },
};
