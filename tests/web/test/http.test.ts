// The gateway's plain HTTP side: /healthz, and the app's files from --http_root with the SPA
// fallback — and no request path, however encoded, reaches a file outside the root.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { getRaw } from "../harness/connect.js";
import { useWorld } from "../harness/fixture.js";

// <site>/root is served; <site>/secret.txt and <site>/root-evil/ lie beside it.
const site = mkdtempSync(join(tmpdir(), "kepu-web-site-"));
const root = join(site, "root");
const INDEX = "<!doctype html><html><head><title>科普 Kepu</title></head><body><div id=app></div></body></html>\n";
const APP_JS = "console.log('kepu app');\n";
const SECRET = "TOP SECRET: outside the web root";
const EVIL = "EVIL: a sibling of the web root";
const blob = randomBytes(300 * 1024);
mkdirSync(join(root, "assets"), { recursive: true });
mkdirSync(join(site, "root-evil"), { recursive: true });
writeFileSync(join(root, "index.html"), INDEX);
writeFileSync(join(root, "assets", "app.js"), APP_JS);
writeFileSync(join(root, "hello.txt"), "你好\n");
writeFileSync(join(root, "assets", "blob.bin"), blob);
writeFileSync(join(site, "secret.txt"), SECRET);
writeFileSync(join(site, "root-evil", "x.txt"), EVIL);

const fx = useWorld({ httpRoot: root, demo: false });
afterAll(() => rmSync(site, { recursive: true, force: true }));

// GET with the path sent exactly as written (fetch would normalise "/../").
function rawGet(path: string): Promise<{ status: number; body: Buffer; contentType: string }> {
  const [host, port] = fx.world.httpAddress.split(":");
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method: "GET", timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: res.headers["content-type"] ?? "" }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
    req.on("error", reject);
    req.end();
  });
}

describe("/healthz", () => {
  test("200 {\"status\":\"SERVING\"} while kepud serves", async () => {
    const r = await getRaw(fx.world, "/healthz");
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { status: "SERVING" } });
    expect(r.contentType).toMatch(/^application\/json/);
  });

  test("HEAD: the same status and length, no body (load balancers probe with HEAD)", async () => {
    const response = await fetch(`${fx.world.baseUrl}/healthz`, {
      method: "HEAD",
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String('{"status":"SERVING"}'.length));
    expect(await response.text()).toBe("");
  });
});

describe("static files from --http_root", () => {
  test("/ and /index.html are the app's page", async () => {
    for (const path of ["/", "/index.html"]) {
      const r = await getRaw(fx.world, path);
      expect({ path, status: r.status, text: r.text }).toEqual({ path, status: 200, text: INDEX });
      expect(r.contentType).toMatch(/^text\/html/);
    }
  });

  test("files come with their content type and exact bytes", async () => {
    const js = await getRaw(fx.world, "/assets/app.js");
    expect({ status: js.status, text: js.text }).toEqual({ status: 200, text: APP_JS });
    expect(js.contentType).toMatch(/javascript/);
    const txt = await getRaw(fx.world, "/hello.txt");
    expect({ status: txt.status, text: txt.text }).toEqual({ status: 200, text: "你好\n" });
    expect(txt.contentType).toMatch(/^text\/plain/);
    const bin = await rawGet("/assets/blob.bin");
    expect(bin.status).toBe(200);
    expect(bin.body.equals(blob)).toBe(true);
  });

  test("SPA fallback: a path without a file extension is the app's page", async () => {
    for (const path of ["/orders", "/orders/01M8M9SZ184AD2KQGME6RD8EPR", "/me/hours?tab=2", "/assets/route"]) {
      const r = await getRaw(fx.world, path);
      expect({ path, status: r.status, text: r.text }).toEqual({ path, status: 200, text: INDEX });
      // The app's page is revalidated, wherever it is served from (never the assets' year).
      expect({ path, cache: r.headers.get("cache-control") }).toEqual({ path, cache: "no-cache" });
    }
  });

  test("a missing file with an extension is 404, not the app's page", async () => {
    for (const path of ["/assets/missing.js", "/nope.png"]) {
      const r = await getRaw(fx.world, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(r.text).not.toBe(INDEX);
    }
  });

  test("no path escapes the root", async () => {
    const attempts = [
      "/../secret.txt",
      "/../../../../../../etc/passwd",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E/secret.txt",
      "/..%2fsecret.txt",
      "/..%2Fsecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/%252e%252e/secret.txt",
      "/..\\secret.txt",
      "/..%5csecret.txt",
      "/....//secret.txt",
      "/.../secret.txt",
      "/../root-evil/x.txt",
      "/%2e%2e/root-evil/x.txt",
      "//etc/passwd",
      "/%2fetc%2fpasswd",
      "/assets/..%00/../secret.txt",
      "/%c0%ae%c0%ae/secret.txt",
      "/./../secret.txt",
    ];
    for (const path of attempts) {
      const r = await rawGet(path);
      const body = r.body.toString("utf8");
      const leaked = body.includes("TOP SECRET") || body.includes("EVIL:") || /root:.*:0:0:/.test(body);
      expect({ path, leaked }).toEqual({ path, leaked: false });
      // Refused, or (no extension) the app's page: never a 5xx, never another file.
      const ok = [400, 403, 404].includes(r.status) || (r.status === 200 && body === INDEX);
      expect({ path, status: r.status, ok }).toEqual({ path, status: r.status, ok: true });
    }
  });
});
