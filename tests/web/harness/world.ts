// A small Kepu on real processes for the gateway tests (and the browser test): a redis-server on a
// free loopback port with a temporary folder, kepud with its HTTP gateway on free loopback ports,
// the demo data of deploy/seed loaded with kepuctl as ./deploy/local/up.sh does. stop() ends
// everything and removes the temporary folders, also after a failed start.
//
// Binaries come from the environment, as ctest passes them: KEPUD, KEPUCTL, KEPU_REDIS_MODULE,
// KEPU_SEED_DIR.
// Without them, the repository's build/dev binaries and deploy/seed are used when they exist.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Child, run } from "./process.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function fromEnv(name: string, fallback: string): string {
  const value = process.env[name];
  if (value !== undefined && value !== "") return resolve(value);
  const path = resolve(repoRoot, fallback);
  if (existsSync(path)) return path;
  throw new Error(`${name} is not set and ${path} does not exist: set ${name} (ctest passes it)`);
}

export function binaries(): { kepud: string; kepuctl: string; redisModule: string; seedDir: string } {
  return {
    kepud: fromEnv("KEPUD", "build/dev/services/kepud/kepud"),
    redisModule: fromEnv("KEPU_REDIS_MODULE", "build/dev/services/core/kepu_redis_module.so"),
    kepuctl: fromEnv("KEPUCTL", "build/dev/clients/kepuctl/kepuctl"),
    seedDir: fromEnv("KEPU_SEED_DIR", "deploy/seed"),
  };
}

// A free TCP port on 127.0.0.1 (another process may take it before we bind it: callers retry).
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

// The value of "key":"..." in a JSON log line.
export function jsonField(line: string, key: string): string {
  try {
    const value = (JSON.parse(line) as Record<string, unknown>)[key];
    return typeof value === "string" ? value : "";
  } catch {
    return "";
  }
}

export class RedisServer {
  private constructor(
    readonly child: Child,
    readonly port: number,
    readonly dir: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  // As tests/support/redis_server.cc: AOF, no RDB, loopback only, in a temp folder, with Kepu's
  // module (its record writes).
  static async start(): Promise<RedisServer> {
    const { redisModule } = binaries();
    const dir = mkdtempSync(join(tmpdir(), "kepu-web-redis-"));
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; ++attempt) {
      const port = await freePort();
      const child = Child.spawn("redis-server", "redis-server", [
        "--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
        "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
        "--logfile", "", "--daemonize", "no", "--maxmemory-policy", "noeviction",
        "--protected-mode", "yes", "--loadmodule", redisModule,
      ]);
      try {
        await child.waitForLine((l) => l.includes("Ready to accept connections"), "redis ready", 30_000);
        return new RedisServer(child, port, dir);
      } catch (error) {
        lastError = error;
        await child.stop("SIGKILL");
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }

  async stop(): Promise<void> {
    await this.child.stop("SIGTERM", 10_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface KepudOptions {
  // Start the HTTP gateway (default true); false runs kepud as before the gateway.
  http?: boolean;
  // Served by the gateway under / (--http_root).
  httpRoot?: string;
  // More flags, after the harness's own.
  flags?: string[];
  env?: Record<string, string>;
}

export class Kepud {
  private constructor(
    readonly child: Child,
    readonly grpcAddress: string,
    readonly httpAddress: string,
  ) {}

  static async start(
    binary: string,
    redis: RedisServer,
    admin: { phone: string; password: string },
    options: KepudOptions = {},
  ): Promise<Kepud> {
    const args = [
      "--listen=127.0.0.1:0",
      `--redis=${redis.address}`,
      "--workers=8",
      "--password_cost=min",
      // The tests move orders by hand; the matching engine would only compete for CPU.
      "--matching=false",
    ];
    const http = options.http ?? true;
    if (http) args.push("--http_listen=127.0.0.1:0");
    if (options.httpRoot !== undefined) args.push(`--http_root=${options.httpRoot}`);
    args.push(...(options.flags ?? []));
    const child = Child.spawn("kepud", binary, args, {
      env: {
        KEPU_TOKEN_KEY: randomBytes(32).toString("hex"),
        KEPU_ADMIN_PHONE: admin.phone,
        KEPU_ADMIN_PASSWORD: admin.password,
        ...options.env,
      },
    });
    try {
      const isEvent = (event: string) => (line: string) => jsonField(line, "event") === event;
      const [grpcLine, httpLine] = await Promise.all([
        child.waitForLine(isEvent("kepud.listening"), '"event":"kepud.listening"', 60_000),
        http
          ? child.waitForLine(isEvent("gateway.listening"), '"event":"gateway.listening"', 60_000)
          : Promise.resolve(""),
      ]);
      const grpcAddress = jsonField(grpcLine, "address");
      const httpAddress = jsonField(httpLine, "address");
      const loopback = /^127\.0\.0\.1:\d+$/;
      if (!loopback.test(grpcAddress) || (http && !loopback.test(httpAddress))) {
        throw new Error(`kepud logged unexpected addresses: ${grpcLine} / ${httpLine}`);
      }
      return new Kepud(child, grpcAddress, httpAddress);
    } catch (error) {
      await child.stop("SIGKILL");
      throw error;
    }
  }

  // Stops it with SIGTERM and checks it ended as a graceful stop must: exit code 0 (a sanitizer
  // report at exit, a crash or a hang fails the test file).
  async stop(): Promise<void> {
    await this.child.stop("SIGTERM", 15_000);
    const { code, signal } = await this.child.waitForExit(1_000);
    if (code !== 0) {
      throw new Error(`kepud did not stop cleanly (code ${code}, signal ${signal}):\n${this.child.tail()}`);
    }
  }
}

// One line of deploy/seed/accounts.tsv.
export interface DemoAccount {
  role: "admin" | "worker" | "department" | "leader" | "volunteer" | "resident";
  scope: string;
  phone: string;
  password: string;
  name: string;
}

export function readDemoAccounts(seedDir: string): DemoAccount[] {
  const lines = readFileSync(join(seedDir, "accounts.tsv"), "utf8").split("\n").slice(1);
  return lines
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [role, scope, phone, password, name] = line.split("\t");
      return { role, scope, phone, password, name } as DemoAccount;
    });
}

export interface WorldOptions extends KepudOptions {
  // Load deploy/seed with kepuctl (default true).
  demo?: boolean;
}

export class World {
  readonly adminPhone = "13800000000";
  readonly adminPassword = `kepu${randomBytes(6).toString("hex")}`;
  redis?: RedisServer;
  kepud?: Kepud;
  accounts: DemoAccount[] = [];
  // What `kepuctl demo load` printed (the demo accounts table).
  demoOutput = "";
  private readonly bins = binaries();

  private constructor() {}

  static async start(options: WorldOptions = {}): Promise<World> {
    const world = new World();
    try {
      world.redis = await RedisServer.start();
      world.kepud = await Kepud.start(
        world.bins.kepud,
        world.redis,
        { phone: world.adminPhone, password: world.adminPassword },
        options,
      );
      world.accounts = readDemoAccounts(world.bins.seedDir);
      if (options.demo ?? true) {
        const { stdout } = await run(world.bins.kepuctl, [
          `--server=${world.kepud.grpcAddress}`,
          "demo", "load",
          `--admin-phone=${world.adminPhone}`,
          `--admin-password=${world.adminPassword}`,
          `--seed-dir=${world.bins.seedDir}`,
        ], {
          // kepuctl keeps profiles in a config file: never the developer's own.
          env: { KEPUCTL_CONFIG: join(world.redis.dir, "kepuctl.json") },
          timeoutMs: 120_000,
        });
        world.demoOutput = stdout;
      }
      return world;
    } catch (error) {
      await world.stop();
      throw error;
    }
  }

  get grpcAddress(): string {
    return this.kepud!.grpcAddress;
  }

  get httpAddress(): string {
    return this.kepud!.httpAddress;
  }

  // http://127.0.0.1:PORT — the gateway's origin (Connect baseUrl).
  get baseUrl(): string {
    return `http://${this.kepud!.httpAddress}`;
  }

  // The demo account of `role` (and `scope`, when given): the first in accounts.tsv.
  account(role: DemoAccount["role"], scope?: string): DemoAccount {
    const found = this.accounts.find(
      (a) => a.role === role && (scope === undefined || a.scope.split(";").includes(scope)),
    );
    if (found === undefined) throw new Error(`no demo ${role} ${scope ?? ""} in accounts.tsv`);
    return found;
  }

  // kepud's output so far (for a failed test's report).
  logs(lines = 80): string {
    return this.kepud?.child.tail(lines) ?? "";
  }

  async stop(): Promise<void> {
    try {
      await this.kepud?.stop();
    } finally {
      await this.redis?.stop();
    }
  }
}
