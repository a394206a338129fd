import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../src/server/listen.js';

/**
 * A real redis-server of the test's own, on a free loopback port, without persistence. `.ci/run`
 * installs the Debian package; without it these tests fail with the reason, they are not skipped.
 */
export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL: the way a crashed or partitioned Redis looks to its clients. */
  kill(): Promise<void>;
  /** A new server on the same port (empty, as after a crash without persistence). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that hangs with its connections open. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) {
    throw new Error(
      'redis-server is not installed: the Redis tests need it (`apt-get install -y redis-server`, as .ci/run does)',
    );
  }
  return path;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const binary = redisServerBinary();
  const port = await freePort();
  let child: ChildProcess | null = null;
  const output: string[] = [];

  const launch = async () => {
    child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => output.push(String(d)));
    child.stderr?.on('data', (d) => output.push(String(d)));
    const started = Date.now();
    while (!(await answersPing(port))) {
      if (child.exitCode !== null || Date.now() - started > 10_000)
        throw new Error(`redis-server did not start on port ${port}:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    running.kill('SIGCONT'); // a paused server handles SIGTERM only once it runs again
    await exited;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => halt('SIGKILL'),
    restart: launch,
    pause: () => void (child as ChildProcess | null)?.kill('SIGSTOP'),
    resume: () => void (child as ChildProcess | null)?.kill('SIGCONT'),
    stop: () => halt('SIGTERM'),
  };
}
