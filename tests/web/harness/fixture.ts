// Vitest glue: one world per test file, stopped after the file (also when a test or the start
// failed), kepud's log printed under a failed test, and signed-in demo accounts by role.
import { afterAll, afterEach, beforeAll } from "vitest";
import { login } from "./connect.js";
import { type DemoAccount, World, type WorldOptions } from "./world.js";

export interface WorldFixture {
  readonly world: World;
  // A token of the demo account of `role` (and `scope`), signed in through the gateway once.
  token(role: DemoAccount["role"], scope?: string): Promise<string>;
  // A token of this demo account.
  tokenFor(account: DemoAccount): Promise<string>;
  // The city admin (made by kepud from KEPU_ADMIN_PHONE / KEPU_ADMIN_PASSWORD).
  adminToken(): Promise<string>;
}

export function useWorld(options: WorldOptions | (() => WorldOptions) = {}): WorldFixture {
  let world: World | undefined;
  const tokens = new Map<string, Promise<string>>();
  beforeAll(async () => {
    world = await World.start(typeof options === "function" ? options() : options);
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);
  afterEach((context) => {
    if (context.task.result?.state === "fail" && world !== undefined) {
      console.error(`--- kepud output (last lines) ---\n${world.logs(120)}`);
    }
  });
  const signIn = (key: string, phone: string, password: string) => {
    let token = tokens.get(key);
    if (token === undefined) {
      token = login(fixture.world, phone, password).then((session) => session.token);
      token.catch(() => tokens.delete(key));
      tokens.set(key, token);
    }
    return token;
  };
  const fixture: WorldFixture = {
    get world(): World {
      if (world === undefined) throw new Error("the world did not start (see beforeAll)");
      return world;
    },
    token(role, scope) {
      const account = fixture.world.account(role, scope);
      return signIn(`${role}/${account.phone}`, account.phone, account.password);
    },
    tokenFor(account) {
      return signIn(`${account.role}/${account.phone}`, account.phone, account.password);
    },
    adminToken() {
      return signIn("city-admin", fixture.world.adminPhone, fixture.world.adminPassword);
    },
  };
  return fixture;
}
