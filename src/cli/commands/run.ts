/**
 * `crosstalk run <scripts...>`: runs Lua and JavaScript scripts together on
 * one bus in this process (docs/cli.md "Command line"). The exit status is 1 when any script
 * failed (each failure named `script:line: CODE: message`, with its
 * traceback, on stderr), 2 for bad flags, 130/143 when stopped by SIGINT/SIGTERM.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { createBus } from '../../core/bus.js';
import { CrosstalkError, describeValue } from '../../core/errors.js';
import { compilePattern } from '../../core/pattern.js';
import type { Bus } from '../../core/types.js';
import type { ScriptServices } from '../../scripting/api.js';
import { DEFAULT_SCRIPT_LIMITS, MIN_MEMORY_LIMIT_MB, type ScriptFile, type ScriptLimits, type ScriptResult } from '../../scripting/engine.js';
import { languageFor, supportedExtensions } from '../../scripting/engines.js';
import { permissionsFor, runScripts } from '../../scripting/host.js';
import { openStore, parseStoreSpec } from '../../store/open.js';
import { replay } from '../../store/replay.js';
import { parseBusUrl } from '../../transport/url.js';
import { planEndpoints, startEndpoints, type EndpointPlan } from '../../observe/endpoints.js';
import type { CrosstalkConfig } from '../../core/config.js';
import { loadConfigFile } from '../run-config.js';
import { argsAfterDashDash } from '../usage.js';
import { runWatching } from '../watch.js';

export interface RunArgs {
  scripts: string[];
  barrier?: boolean;
  cpuLimit: number;
  deadline: number;
  memoryLimit: number;
  store?: string;
  bus?: string;
  persist?: string | string[];
  json: boolean;
  prefix?: boolean;
  metrics?: string;
  config?: string;
  dashboard?: string;
  watch?: boolean;
  /** what follows `--`: every script's arguments */
  scriptArgs?: string[];
}

/** What validated flags and files amount to. */
export interface RunPlan {
  files: { file: ScriptFile }[];
  limits: ScriptLimits;
  store: string | undefined;
  /** a nats:// URL to join other processes through */
  bus: string | undefined;
  persist: string[];
  json: boolean;
  prefix: boolean;
  /** the start barrier (docs/scripts.md "Starting together") */
  barrier: boolean;
  /** Prometheus metrics and the dashboard to serve during the run */
  endpoints: EndpointPlan;
  /** bus options and retention from --config */
  config: CrosstalkConfig;
  /** the scripts' command-line arguments (after `--`) */
  args: string[];
  /** restart a script when its file changes (docs/scripts.md "Durable subscriptions and `--watch`") */
  watch: boolean;
}

function invalid(option: string, expected: string, got: unknown): CrosstalkError {
  return new CrosstalkError('INVALID_OPTION', `Expected --${option} to be ${expected}, got ${describeValue(got)}`, { option });
}

function single(option: string, v: unknown): unknown {
  if (Array.isArray(v)) throw invalid(option, 'given once', v.join(' and '));
  return v;
}

/** Validates flags and reads every script; throws INVALID_OPTION naming the flag or file. */
export function planRun(args: RunArgs): RunPlan {
  const cpu = single('cpu-limit', args.cpuLimit);
  if (typeof cpu !== 'number' || !Number.isFinite(cpu) || cpu < 0) {
    throw invalid('cpu-limit', 'a number of milliseconds >= 0 (0 = no limit)', cpu);
  }
  const deadline = single('deadline', args.deadline);
  if (typeof deadline !== 'number' || !Number.isFinite(deadline) || deadline < 0) {
    throw invalid('deadline', 'a number of milliseconds >= 0 (0 = none)', deadline);
  }
  const memory = single('memory-limit', args.memoryLimit);
  if (typeof memory !== 'number' || !Number.isInteger(memory) || memory < MIN_MEMORY_LIMIT_MB) {
    throw invalid('memory-limit', `a whole number of MB >= ${MIN_MEMORY_LIMIT_MB}`, memory);
  }
  const store = single('store', args.store) as string | undefined;
  if (store !== undefined) parseStoreSpec(store);
  const bus = single('bus', args.bus) as string | undefined;
  if (bus !== undefined) parseBusUrl(bus);
  const endpoints = planEndpoints(args);
  const persist = args.persist === undefined ? [] : [args.persist].flat().map(String);
  for (const p of persist) compilePattern(p);
  if (persist.length > 0 && store === undefined && bus === undefined) {
    throw new CrosstalkError('INVALID_OPTION', '--persist needs a store: add --store sqlite:PATH (or memory), or --bus nats://…', {
      option: 'persist',
    });
  }

  const config: CrosstalkConfig = args.config === undefined ? { bus: {}, retention: null, permissions: null } : loadConfigFile(String(single('config', args.config)));

  const scripts = args.scripts ?? [];
  if (scripts.length === 0) throw new CrosstalkError('INVALID_OPTION', 'name at least one script to run', { option: 'scripts' });
  const names = scripts.map((p) => basename(p));
  const files = scripts.map((path, i) => {
    if (languageFor(path) === undefined) {
      throw new CrosstalkError('INVALID_OPTION', `cannot run ${path}: unknown extension; crosstalk runs ${supportedExtensions().join(', ')}`, {
        option: 'scripts',
      });
    }
    let source: string;
    try {
      if (!statSync(path).isFile()) throw new Error('not a file (name a script file)');
      source = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file; check the path (relative to the current directory)' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new CrosstalkError('INVALID_OPTION', `cannot read ${path}: ${why}`, { option: 'scripts' });
    }
    // the file name is the script's identity (source.component); keep it unique
    const name = names.indexOf(names[i]!) === names.lastIndexOf(names[i]!) ? names[i]! : path;
    return { file: { name, path, source } };
  });
  // a permission naming no script of the run would leave a misspelt script unrestricted
  if (config.permissions !== null) {
    try {
      permissionsFor(config.permissions, files.map((f) => f.file));
    } catch (e) {
      if (!(e instanceof CrosstalkError)) throw e;
      throw new CrosstalkError(e.code, `--config ${String(args.config)}: ${e.message}`, { option: 'config', cause: e });
    }
  }
  return {
    files,
    limits: { cpuLimitMs: cpu, deadlineMs: deadline, memoryLimitMb: memory },
    store,
    bus,
    persist,
    json: args.json === true,
    prefix: args.prefix ?? files.length > 1,
    barrier: args.barrier !== false,
    endpoints,
    config,
    args: args.scriptArgs ?? [],
    watch: args.watch === true,
  };
}

// ---- output -----------------------------------------------------------------------

interface Reporter {
  output(script: string, text: string, stream: 'stdout' | 'stderr'): void;
  /** the bus lost, regained or gave up its connection to other processes */
  connection(state: string, message: string): void;
  result(r: ScriptResult): void;
  summary(results: ScriptResult[], interrupted: boolean): void;
  /** --watch: a script was restarted, or its new version refused */
  watch(script: string, restarted: boolean, why?: string): void;
}

function write(stream: NodeJS.WriteStream, text: string): void {
  // a closed pipe (`| head`) must not crash the run
  if (!stream.destroyed) stream.write(text, () => undefined);
}

function textReporter(prefix: boolean): Reporter {
  return {
    output(script, text, stream) {
      const lines = prefix ? text.split('\n').map((l) => `[${script}] ${l}`).join('\n') : text;
      write(stream === 'stdout' ? process.stdout : process.stderr, `${lines}\n`);
    },
    connection(_state, message) {
      write(process.stderr, `crosstalk run: ${message}\n`);
    },
    result(r) {
      // what a script returned is its output too
      if (r.ok && r.value !== undefined) this.output(r.script, JSON.stringify(r.value), 'stdout');
      if (r.ok || !r.error) return;
      const e = r.error;
      const at = e.line === undefined ? r.script : `${r.script}:${e.line}`;
      let text = `${at}: ${e.code}: ${e.message}\n`;
      if (e.traceback) text += `${e.traceback.split('\n').map((l) => `    ${l.trim()}`).join('\n')}\n`;
      write(process.stderr, text);
    },
    watch(script, restarted, why) {
      write(process.stderr, restarted ? `crosstalk run: ${script} changed; restarted\n` : `crosstalk run: ${script} changed but was not restarted (${why}); the running version goes on\n`);
    },
    summary(results, interrupted) {
      const failed = results.filter((r) => !r.ok).length;
      if (interrupted) write(process.stderr, 'crosstalk run: interrupted\n');
      else if (failed > 0) write(process.stderr, `crosstalk run: ${failed} of ${results.length} script${results.length === 1 ? '' : 's'} failed\n`);
    },
  };
}

function jsonReporter(): Reporter {
  const line = (o: object) => write(process.stdout, `${JSON.stringify(o)}\n`);
  return {
    output: (script, text, stream) => line({ type: 'output', script, stream, text }),
    connection: (state, message) => line({ type: 'connection', state, message }),
    result: (r) =>
      line({
        type: 'result',
        script: r.script,
        ok: r.ok,
        duration_ms: Math.round(r.durationMs * 10) / 10,
        ...(r.value !== undefined ? { value: r.value } : {}),
        ...(r.error ? { error: r.error } : {}),
      }),
    watch: (script, restarted, why) => line({ type: 'watch', script, restarted, ...(why === undefined ? {} : { reason: why }) }),
    summary: (results, interrupted) =>
      line({
        type: 'summary',
        ok: !interrupted && results.every((r) => r.ok),
        scripts: results.length,
        failed: results.filter((r) => !r.ok).length,
        interrupted,
      }),
  };
}

// ---- running ------------------------------------------------------------------------

/** Runs a validated plan to the end; resolves with the exit status. */
export async function runPlan(plan: RunPlan): Promise<number> {
  const reporter = plan.json ? jsonReporter() : textReporter(plan.prefix);
  // the NATS client loads only when a run joins other processes
  const transport = plan.bus === undefined ? null : await (await import('../../transport/nats.js')).connectNats(plan.bus);
  let bus: Bus;
  try {
    const store = plan.store === undefined ? null : openStore(plan.store, plan.config.retention === null ? {} : { retention: plan.config.retention });
    bus = createBus({ ...plan.config.bus, store, transport, persist: plan.persist });
  } catch (e) {
    await transport?.close();
    throw e;
  }
  bus.onStatus((s) => {
    if (s.type === 'connection') reporter.connection(s.state, s.message);
  });
  let endpoints;
  try {
    endpoints = await startEndpoints(bus, plan.endpoints, (line) => write(process.stderr, `crosstalk run: ${line}\n`));
  } catch (e) {
    await bus.close();
    throw e;
  }
  const services: ScriptServices = {
    replay: (port, spec, signal) => replay(port.bus, port.store!, spec, signal ? { signal } : {}),
  };
  // First Ctrl-C (or SIGTERM) stops every script (they end "stopped"); a second one kills.
  let interrupted = false;
  let exitCode = 130;
  const stop = new AbortController();
  const stopAll = (code: number) => () => {
    interrupted = true;
    exitCode = code;
    stop.abort();
  };
  const onInt = stopAll(130);
  const onTerm = stopAll(143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);

  try {
    const options = {
      limits: plan.limits,
      output: reporter.output,
      services,
      barrier: plan.barrier,
      args: plan.args,
      ...(plan.config.permissions === null ? {} : { permissions: plan.config.permissions }),
      onResult: (r: ScriptResult) => reporter.result(r),
    };
    const files = plan.files.map((f) => f.file);
    const results = plan.watch
      ? await runWatching(bus, files, { ...options, signal: stop.signal }, {
          restarted: (script) => reporter.watch(script, true),
          refused: (script, why) => reporter.watch(script, false, why),
        })
      : await runScripts(bus, files, { ...options, signal: stop.signal });
    reporter.summary(results, interrupted);
    if (interrupted) return exitCode;
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
    await endpoints.close();
    await bus.close();
  }
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <scripts..>',
  describe: 'run Lua and JavaScript scripts together on one bus',
  builder: (y: Argv<object>) =>
    y
      .positional('scripts', { type: 'string', array: true, describe: `script files (${supportedExtensions().join(', ')})` })
      .option('cpu-limit', {
        alias: 'timeout',
        type: 'number',
        default: DEFAULT_SCRIPT_LIMITS.cpuLimitMs,
        describe:
          'CPU ms each script may run without waiting (receive, sleep, a held publish start it afresh); past it SCRIPT_TIMEOUT; 0 = no limit. --timeout is the same flag',
      })
      .option('deadline', {
        type: 'number',
        default: DEFAULT_SCRIPT_LIMITS.deadlineMs,
        describe: 'wall-clock ms each script may live, waiting included (SCRIPT_TIMEOUT past it); 0 = none',
      })
      .option('memory-limit', {
        type: 'number',
        default: DEFAULT_SCRIPT_LIMITS.memoryLimitMb,
        describe: 'heap limit of each script in MB, Lua and JS alike (SCRIPT_MEMORY past it)',
      })
      .option('store', {
        type: 'string',
        describe: 'persist to sqlite:PATH, sqlite (./.crosstalk/events.db) or memory; without it persistent publishes fail',
      })
      .option('bus', {
        type: 'string',
        describe: 'join other processes through NATS JetStream: nats://host:port (persistent events are kept in its stream)',
      })
      .option('persist', {
        // one value per flag (the parser's arrays are not greedy), so script names after it stay scripts
        type: 'string',
        array: true,
        describe: 'persist every event whose type matches this pattern (repeatable; needs --store or --bus)',
      })
      .option('barrier', {
        type: 'boolean',
        default: true,
        describe: 'start barrier: what scripts publish before their first wait is delivered once all reached it (--no-barrier: off)',
      })
      .option('config', {
        type: 'string',
        describe: 'a JSON file of bus options: interceptors, dedup_window_ms, dedup_max_ids, max_retained (docs/coordination.md "Configuration file")',
      })
      .option('watch', {
        type: 'boolean',
        default: false,
        describe: 'restart a script when its file changes (the others keep running); a version that does not load leaves the old one running. Runs until interrupted',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON Lines: output, one result per script, a summary' })
      .option('prefix', { type: 'boolean', describe: 'prefix printed lines with [script] (default: when running several)' })
      .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://ADDR/metrics while running: :PORT (127.0.0.1), HOST:PORT' })
      .option('dashboard', { type: 'string', describe: 'serve the live dashboard at http://ADDR/ while running: :PORT (127.0.0.1), HOST:PORT' })
      .example('$0 run pay.lua audit.lua', 'a producer and a consumer on one bus')
      .example('$0 run --cpu-limit 2000 job.lua', 'stop a loop that runs 2 s of CPU without waiting')
      .example('$0 run --deadline 60000 job.lua', 'stop the script after a minute, waiting or not')
      .example('$0 run --store sqlite:ev.db pay.lua', 'keep events published with persistent = true')
      .example("$0 run --store ev.db --persist 'order.**' a.lua", 'keep every order event a.lua publishes')
      .example('$0 run --bus nats://127.0.0.1:4222 producer.lua', 'share events with every process joined to that server')
      .example('$0 run --json a.lua b.js', 'JSON Lines: output, results, summary')
      .example('$0 run --no-prefix a.lua b.js', 'print without [script] before each line')
      .example('$0 run --watch worker.lua feed.js', 'restart a script when its file is saved')
      .example('$0 run job.lua -- --date 2026-12-05', 'arguments after -- reach every script: arg in Lua, args in JS')
      .example('$0 run --metrics :9464 service.lua', 'Prometheus metrics at http://127.0.0.1:9464/metrics')
      .example('$0 run --dashboard :8080 service.lua', 'a live page at http://127.0.0.1:8080/') as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    let plan: RunPlan;
    try {
      plan = planRun({ ...argv, scriptArgs: argsAfterDashDash() });
    } catch (e) {
      if (!(e instanceof CrosstalkError)) throw e;
      process.stderr.write(`crosstalk run: ${e.code}: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    try {
      process.exitCode = await runPlan(plan);
    } catch (e) {
      if (!(e instanceof CrosstalkError)) throw e;
      process.stderr.write(`crosstalk run: ${e.code}: ${e.message}\n`);
      // a port in use is a flag to change (exit 2), found only when listening
      process.exitCode = e.code === 'INVALID_OPTION' ? 2 : 1;
    }
  },
};
