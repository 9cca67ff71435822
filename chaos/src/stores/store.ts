import type { CoordinatedCronModuleOptions } from 'nestjs-coordinated-cron';
import { type SentSignal } from '../lib/records';

/**
 * The seam between the chaos run and the store under test. One small module per store implements `StoreKind`:
 * the runner half starts the store's server and injects its faults; the instance half turns the server's address
 * into the module options of `CoordinatedCronModule`. Nothing else in the run knows which store it drives.
 */
export interface StoreKind {
  readonly name: string;
  /** Why this machine cannot run the store (a missing binary, a store the library does not have yet), with the fix. */
  preflight(): string | undefined;
  /** Starts a server of its own on a free loopback port, keeping its data in `dir`. */
  launch(options: LaunchOptions): Promise<StoreServer>;
  /** In an instance process: a connection to the server at `address`, as the module options that use it. */
  connect(address: string, onError: (message: string) => void): Promise<StoreConnection>;
}

export interface LaunchOptions {
  dir: string;
  /** Whether the server keeps its data across a restart (Redis: AOF, fsync every second). */
  persistence: boolean;
  events: StoreEvents;
}

/** What the server does, for the history: the runner records each as it happens. */
export interface StoreEvents {
  signal(pid: number, signal: SentSignal): void;
  exit(pid: number, code: number | null, signal: string | null): void;
  up(pid: number): void;
}

export type RestartMode = 'crash' | 'clean';

export interface StoreServer {
  /** One line for the report: server, version, address, persistence. */
  readonly label: string;
  /** Handed to `StoreKind.connect` in every instance. */
  readonly address: string;
  /**
   * How long before a crash restart an acknowledged write may still be lost (0: never). The checker takes a second
   * claim of an occurrence granted that shortly before a crash to be one the store forgot.
   */
  readonly crashLossMs: number;
  /** SIGSTOP of the server: connections stay open, nothing is answered. */
  pause(): void;
  resume(): void;
  /** Stops the server (`crash`: killed, no clean shutdown; `clean`: asked to stop), waits `downMs`, starts it again. */
  restart(mode: RestartMode, downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StoreConnection {
  moduleOptions: Partial<CoordinatedCronModuleOptions>;
  close(): Promise<void>;
}
