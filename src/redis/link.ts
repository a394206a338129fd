import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { registerSecret } from '../upstream/redact.js';

const RESTING_MS = 1000;

export interface RedisSettings {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
}

export type RedisState = 'up' | 'down';

/** Where the gateway fell back to its own state because Redis did not answer. */
export type RedisComponent = 'metadata-cache' | 'rate-limit' | 'response-cache' | 'inventory';

/**
 * The one Redis connection of a replica, and whether it can be used right now. Commands never
 * wait for a reconnect (no offline queue) and time out quickly: while Redis is away, every
 * shared component answers from its local fallback at once, and the link keeps reconnecting in
 * the background, so the replica rejoins the fleet when Redis returns.
 */
export class RedisLink {
  readonly client: Redis;
  private current: RedisState = 'down';
  /** After a failed command on an open connection (a hung or overloaded Redis), Redis is left alone until then. */
  private restingUntil = 0;
  private readonly stateListeners: Array<(state: RedisState) => void> = [];
  private readonly fallbackListeners: Array<(component: RedisComponent) => void> = [];

  constructor(
    readonly settings: RedisSettings,
    private readonly logger: Logger,
  ) {
    const url = new URL(settings.url);
    registerSecret(decodeURIComponent(url.password));
    this.client = new Redis(settings.url, {
      keyPrefix: settings.keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.commandTimeoutMs,
      connectTimeout: 2000,
      // Reconnect for ever, at most every 2 s: Redis coming back is the normal end of an outage.
      retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
      lazyConnect: false,
    });
    this.client.on('ready', () => this.setState('up'));
    this.client.on('close', () => this.setState('down'));
    this.client.on('end', () => this.setState('down'));
    // ioredis reports connection failures here; the state change carries the news.
    this.client.on('error', () => undefined);
  }

  /** "down" while disconnected, and for a moment after a command failed on an open connection. */
  get state(): RedisState {
    return this.current === 'up' && Date.now() >= this.restingUntil ? 'up' : 'down';
  }

  get up(): boolean {
    return this.state === 'up';
  }

  /**
   * A command failed or timed out. A Redis that hangs keeps its connection open, so the state alone
   * would send every operation into the command timeout; instead the replica stays on local state
   * for a second and then tries Redis again.
   */
  commandFailed(): void {
    if (this.current !== 'up' || Date.now() < this.restingUntil) return;
    this.restingUntil = Date.now() + RESTING_MS;
    this.logger.warn({ redis: 'down' }, 'redis command failed: local rate limits and caches for a moment');
  }

  /** Resolves once connected, or after `timeoutMs` (the gateway then starts on local state). */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.onState((state) => {
        if (state !== 'up') return;
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  onState(listener: (state: RedisState) => void): void {
    this.stateListeners.push(listener);
  }

  onFallback(listener: (component: RedisComponent) => void): void {
    this.fallbackListeners.push(listener);
  }

  /** A shared component answered from local state instead. */
  fellBack(component: RedisComponent): void {
    for (const listener of this.fallbackListeners) listener(component);
  }

  async close(): Promise<void> {
    this.client.disconnect(false);
  }

  private setState(state: RedisState): void {
    if (state === this.current) return;
    this.current = state;
    if (state === 'up') this.logger.info({ redis: 'up' }, 'redis connected: rate limits and caches are shared');
    else this.logger.warn({ redis: 'down' }, 'redis unreachable: rate limits and caches are local until it returns');
    for (const listener of this.stateListeners) listener(state);
  }
}
