/**
 * A real nats-server with JetStream for the transport tests: a random port
 * chosen by the server itself (no race for a free port), its store in a
 * temporary directory, ready when its log says so (no sleeps), killed and
 * cleaned up by stop(). A machine without nats-server fails the tests that
 * need it, saying how to install it; they are never skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** SIGKILL: the server goes away as in a crash */
  kill(): Promise<void>;
  /** SIGSTOP: the server stops answering, its connections stay open (as a hung server) */
  pause(): void;
  /** SIGCONT after pause() */
  resume(): void;
  /** kills the server (if running) and removes its store */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

export function findNatsServer(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, 'nats-server');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error(
    'nats-server is not installed, and the NATS transport tests need a real one: run `apt-get install -y nats-server` (as .ci/run does)',
  );
}

/** Starts a server; `port` and `storeDir` restart one where an earlier one was; `jetstream: false` leaves JetStream off. */
export async function startNatsServer(options: { port?: number; storeDir?: string; jetstream?: boolean } = {}): Promise<NatsServer> {
  const bin = findNatsServer();
  const storeDir = options.storeDir ?? mkdtempSync(path.join(tmpdir(), 'crosstalk-nats-'));
  const js = options.jetstream === false ? [] : ['-js'];
  const child = spawn(bin, [...js, '-a', '127.0.0.1', '-p', String(options.port ?? -1), '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await readyPort(child);
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    kill,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      await kill();
      if (options.storeDir === undefined) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** Reads the log until the server listens and is ready; rejects with the log when it exits first. */
function readyPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    let port = 0;
    const onError = (e: Error) => fail(`nats-server did not start: ${e.message}`);
    const onExit = (code: number | null) => fail(`nats-server exited with ${code}`);
    const onData = (chunk: string) => {
      log += chunk;
      const m = /Listening for client connections on [^\s]+:(\d+)/.exec(log);
      if (m) port = Number(m[1]);
      if (port > 0 && log.includes('Server is ready')) {
        done();
        resolve(port);
      }
    };
    const timer = setTimeout(() => fail(`nats-server was not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      // keep draining stderr so the server never blocks on a full pipe
      child.stderr!.off('data', onData);
      child.stderr!.resume();
    };
    const fail = (why: string) => {
      done();
      child.kill('SIGKILL');
      reject(new Error(`${why}\n${log}`));
    };
    child.once('error', onError);
    child.once('exit', onExit);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', onData);
  });
}
