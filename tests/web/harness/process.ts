// A child process whose output lines the tests can wait on (with a deadline), stopped with a
// signal and, if it does not exit in time, SIGKILL. Every child still alive when this process
// exits is killed, so a crashed test run leaves nothing behind.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  // How many output lines to keep for failure reports.
  keepLines?: number;
}

export class Child {
  readonly name: string;
  readonly proc: ChildProcess;
  private readonly lines: string[] = [];
  private readonly keep: number;
  private readonly waiters = new Set<() => void>();
  private exitCode: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(name: string, proc: ChildProcess, keep: number) {
    this.name = name;
    this.proc = proc;
    this.keep = keep;
    live.add(proc);
    this.exitPromise = new Promise((resolve) => {
      proc.on("exit", (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        live.delete(proc);
        this.notify();
        resolve();
      });
      proc.on("error", (error) => {
        this.push(`[${name}: ${error.message}]`);
        this.exited = true;
        live.delete(proc);
        this.notify();
        resolve();
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      if (stream == null) continue;
      createInterface({ input: stream }).on("line", (line) => this.push(line));
    }
  }

  static spawn(name: string, file: string, args: string[], options: SpawnOptions = {}): Child {
    installExitHook();
    const proc = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new Child(name, proc, options.keepLines ?? 5000);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  output(): string {
    return this.lines.join("\n");
  }

  tail(count = 60): string {
    const lines = this.lines.slice(-count);
    if (this.exited) lines.push(`[${this.name} exited: code ${this.exitCode}, signal ${this.exitSignal}]`);
    return lines.join("\n");
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  // Resolves with the first output line (already seen or still to come) that `match` accepts;
  // rejects when the process exits first or the deadline passes.
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        const found = this.lines.find(match);
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (this.exited) {
          finish();
          reject(
            new Error(
              `${this.name} exited (code ${this.exitCode}, signal ${this.exitSignal}) before ${what}:\n${this.tail()}`,
            ),
          );
        }
      };
      const finish = () => {
        this.waiters.delete(check);
        if (timer) clearTimeout(timer);
      };
      timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms:\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  // Waits for the process to exit; resolves with its code (null when killed by a signal).
  async waitForExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exited) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${this.name} still running after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([this.exitPromise, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    return { code: this.exitCode, signal: this.exitSignal };
  }

  // Sends `signal`, waits up to `graceMs`, then SIGKILL. Never throws.
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    try {
      this.proc.kill(signal);
      await this.waitForExit(graceMs);
    } catch {
      try {
        this.proc.kill("SIGKILL");
        await this.waitForExit(5_000);
      } catch {
        // nothing more to do
      }
    }
  }
}

// Runs a command to its end; resolves with its output, rejects on a non-zero exit.
export async function run(
  file: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  const proc = spawn(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  installExitHook();
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    const [code, signal] = (await once(proc, "exit")) as [number | null, NodeJS.Signals | null];
    if (code !== 0) {
      throw new Error(
        `${file} ${args.join(" ")} failed (code ${code}, signal ${signal}):\n${stderr}\n${stdout}`,
      );
    }
    return { stdout, stderr };
  } finally {
    clearTimeout(timer);
    live.delete(proc);
  }
}
