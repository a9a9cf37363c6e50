/**
 * The `crosstalk` command line (SPEC §8). Each command lives in
 * cli/commands/; this file only assembles them. Commands other than `run`
 * are registered when their module is part of the build.
 */
import { existsSync, readFileSync } from 'node:fs';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCommand } from './commands/run.js';

/** Optional commands: file in commands/ → exported CommandModule. */
const OPTIONAL = [
  ['query', 'queryCommand'],
  ['replay', 'replayCommand'],
  ['tail', 'tailCommand'],
  ['export', 'exportCommand'],
  ['stats', 'statsCommand'],
  ['trace', 'traceCommand'],
  ['analyze', 'analyzeCommand'],
  ['dashboard', 'dashboardCommand'],
  ['bench', 'benchCommand'],
] as const;

async function optionalCommands(): Promise<CommandModule[]> {
  const found: CommandModule[] = [];
  for (const [file, name] of OPTIONAL) {
    const url = new URL(`./commands/${file}.js`, import.meta.url);
    if (!existsSync(url)) continue;
    const mod = (await import(url.href)) as Record<string, CommandModule | undefined>;
    const cmd = mod[name];
    if (cmd) found.push(cmd);
  }
  return found;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<void> {
  let cli = yargs(argv)
    .scriptName('crosstalk')
    .usage('$0 <command> [options]\n\nA cross-language event bus: Lua and JavaScript scripts and host apps on one stream of events.')
    .command(runCommand as CommandModule);
  for (const cmd of await optionalCommands()) cli = cli.command(cmd);
  await cli
    .example('$0 run pay.lua audit.lua', 'run two scripts on one bus')
    .example('$0 run --store memory --timeout 0 w.lua', 'with a store, no time budget')
    .example('$0 run --help', 'every option of run')
    .demandCommand(1, 'Name a command, e.g. crosstalk run script.lua')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(version())
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err; // a bug, not bad usage: show it
      process.stderr.write(`crosstalk: ${msg}\nRun crosstalk --help for usage.\n`);
      process.exitCode = 2;
    })
    .parseAsync();
}

await main(hideBin(process.argv));
