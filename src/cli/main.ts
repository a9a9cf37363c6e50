/**
 * The `crosstalk` command line (docs/cli.md "Command line"). Each command lives in
 * cli/commands/; this file only assembles them. Commands other than `run`
 * are registered when their module is part of the build.
 */
import { existsSync, readFileSync } from 'node:fs';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CrosstalkError } from '../core/errors.js';
import { runCommand } from './commands/run.js';
import { reportError, startUsage, strictCommand, usageFromYargs } from './usage.js';

/** Optional commands: file in commands/ → exported CommandModule. */
const OPTIONAL = [
  ['query', 'queryCommand'],
  ['replay', 'replayCommand'],
  ['tail', 'tailCommand'],
  ['export', 'exportCommand'],
  ['publish', 'publishCommand'],
  ['stats', 'statsCommand'],
  ['compact', 'compactCommand'],
  ['trace', 'traceCommand'],
  ['analyze', 'analyzeCommand'],
  ['dashboard', 'dashboardCommand'],
  ['bench', 'benchCommand'],
  ['types', 'typesCommand'],
] as const;

/** What to say when a command's required argument is missing. */
const MISSING: Record<string, string> = {
  run: 'name at least one script to run: crosstalk run job.lua',
  publish: "name the event type: crosstalk publish order.paid '{\"amount\": 5}'",
  trace: 'name a correlation id or an event id: crosstalk trace <id>',
};

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
  // `crosstalk query | head`: a reader that went away ends the command quietly, as for any Unix tool
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const commands = [runCommand as CommandModule, ...(await optionalCommands())];
  startUsage(argv, commands.map((c) => String(c.command).split(' ')[0]!));
  let cli = yargs(argv)
    .scriptName('crosstalk')
    .usage('$0 <command> [options]\n\nA cross-language event bus: Lua and JavaScript scripts and host apps on one stream of events.')
    // `--where a b` takes one value; b is then an argument (refused where none is expected)
    .parserConfiguration({ 'greedy-arrays': false });
  for (const cmd of commands) {
    const name = String(cmd.command).split(' ')[0]!;
    cli = cli.command(strictCommand(cmd, MISSING[name] === undefined ? {} : { missing: MISSING[name] }));
  }
  try {
    await cli
      .example('$0 run pay.lua audit.lua', 'run two scripts on one bus')
      .example('$0 run --store memory --timeout 0 w.lua', 'with a store, no time budget')
      .example('$0 run --help', 'every option of run')
      .demandCommand(1)
      .strict()
      .help()
      .alias('h', 'help')
      .version(version())
      .wrap(Math.min(110, process.stdout.columns || 110))
      .fail((msg, err) => {
        // Throwing is what stops yargs: a callback that returns lets the command run anyway.
        if (err && err.name !== 'YError') throw err;
        throw usageFromYargs(msg ?? err.message);
      })
      .parseAsync();
  } catch (e) {
    if (!(e instanceof CrosstalkError)) throw e;
    reportError(e);
  }
}

await main(hideBin(process.argv));
