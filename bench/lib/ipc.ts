import type { ChildProcess } from 'node:child_process';

/**
 * Request/response over a child's IPC channel: the parent sends `{ id, cmd, args }`, the child
 * answers `{ id, ok, result | error }`. Unsolicited messages (`{ type }`) go to `onEvent`.
 */
export interface IpcRequest {
  id: number;
  cmd: string;
  args?: unknown;
}
export interface IpcReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class IpcClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters: Array<{ type: string; resolve: (msg: Record<string, unknown>) => void }> = [];

  constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
  ) {
    child.on('message', (message: unknown) => {
      const msg = message as Partial<IpcReply> & { type?: string };
      if (typeof msg.id === 'number' && this.pending.has(msg.id)) {
        const waiter = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        if (msg.ok) waiter.resolve(msg.result);
        else waiter.reject(new Error(`${this.name}: ${msg.error ?? 'failed'}`));
        return;
      }
      if (typeof msg.type === 'string') {
        const index = this.waiters.findIndex((w) => w.type === msg.type);
        if (index >= 0) this.waiters.splice(index, 1)[0].resolve(msg as Record<string, unknown>);
      }
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`${this.name} exited (${code ?? signal}) before answering`));
      this.pending.clear();
    });
  }

  request<T>(cmd: string, args?: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args } satisfies IpcRequest);
    });
  }

  /** The next unsolicited message of this type. */
  event<T extends Record<string, unknown>>(type: string, timeoutMs = 60_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited (${code}) before "${type}"`));
      this.child.once('exit', onExit);
      this.waiters.push({
        type,
        resolve: (msg) => {
          clearTimeout(timer);
          this.child.off('exit', onExit);
          resolve(msg as T);
        },
      });
    });
  }
}

/** Child side: answers the parent's requests with `handlers[cmd](args)`. */
export function serveIpc(handlers: Record<string, (args: any) => unknown>): void {
  process.on('message', (message: unknown) => {
    const { id, cmd, args } = message as IpcRequest;
    const handler = handlers[cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${cmd}`);
        return handler(args);
      })
      .then(
        (result) => process.send?.({ id, ok: true, result } satisfies IpcReply),
        (error: unknown) =>
          process.send?.({
            id,
            ok: false,
            error: error instanceof Error ? error.message : String(error),
          } satisfies IpcReply),
      );
  });
  // The parent going away ends the child too.
  process.on('disconnect', () => process.exit(0));
}
