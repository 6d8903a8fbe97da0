// Malformed HTTP, and bytes a request cannot carry, sent over a raw socket as a broken or hostile
// client would: each gets its 4xx with Connect's JSON error whose message names the header or the
// part that is wrong, the gateway closes the connection after that one answer, kepud goes on
// serving, and every line kepud writes stays one JSON object (libprotobuf writes plain-text
// complaints to stderr when bytes that are not UTF-8 reach a string field).
import { connect } from "node:net";
import { describe, expect, test } from "vitest";
import { getRaw } from "../harness/connect.js";
import { useWorld } from "../harness/fixture.js";

const fx = useWorld();

interface Exchange {
  status: number;
  head: string;
  body: string;
  // The server closed the connection (within the deadline).
  closed: boolean;
  // Status lines read: one answer, nothing after it.
  answers: number;
}

// Sends `bytes` on a new connection and reads until the server closes it, or `withinMs` passes
// (then closed is false), or, with `untilHead`, until the answer's head has arrived.
function exchange(bytes: Buffer, { withinMs = 10_000, untilHead = false } = {}): Promise<Exchange> {
  const [host, port] = fx.world.kepud!.httpAddress.split(":");
  return new Promise((resolve) => {
    const socket = connect(Number(port), host);
    const chunks: Buffer[] = [];
    let closed = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const blank = text.indexOf("\r\n\r\n");
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        head: blank < 0 ? text : text.slice(0, blank),
        body: blank < 0 ? "" : Buffer.from(text.slice(blank + 4), "latin1").toString("utf8"),
        closed,
        answers: (text.match(/(^|\r\n)HTTP\/1\.1 \d{3}/g) ?? []).length,
      });
    };
    const timer = setTimeout(finish, withinMs);
    socket.on("data", (data) => {
      chunks.push(data);
      if (untilHead && Buffer.concat(chunks).includes("\r\n\r\n")) finish();
    });
    // A reset after the answer still closes the connection.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.write(bytes);
  });
}

const raw = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part))));

const login = "POST /kepu.v1.IdentityService/Login HTTP/1.1\r\nHost: kepu\r\nContent-Type: application/json\r\n";
const loginBody = '{"phone":"13900000001","password":"resident2026"}';
const chunked = (chunks: string) =>
  raw(login, "Transfer-Encoding: chunked\r\n\r\n", chunks);

// [what, request bytes, status, the start of the error's message]
const cases: [string, Buffer, number, string][] = [
  ["a request line without a version", raw("GET /healthz\r\nHost: kepu\r\n\r\n"), 400, "the request line "],
  ["a request line with a method that is not a token", raw("G(T /healthz HTTP/1.1\r\nHost: kepu\r\n\r\n"), 400,
    "the request line: the method"],
  ["raw UTF-8 in the target", raw("GET /", [0xc3, 0xa9], " HTTP/1.1\r\nHost: kepu\r\n\r\n"), 400,
    "the request line holds the byte 0xc3"],
  ["a request line over 16 KiB", raw(`GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: kepu\r\n\r\n`), 414,
    "the request line is longer than 16384 bytes"],
  ["a TLS handshake", raw([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]), 400, "the request line holds the byte 0x16"],
  ["lines ending in LF alone", raw("GET /healthz HTTP/1.1\nHost: kepu\n\n"), 400, "the request line ends in LF alone"],
  ["a header line ending in LF alone", raw("GET /healthz HTTP/1.1\r\nHost: kepu\nAccept: */*\r\n\r\n"), 400,
    "host: the line ends in LF alone"],
  ["the empty line LF alone", raw("GET /healthz HTTP/1.1\r\nHost: kepu\r\n\n"), 400,
    "the empty line that ends the headers is LF alone"],
  ["a control byte in a header", raw("GET /healthz HTTP/1.1\r\nHost: kepu\r\nX-Note: a", [0x01], "b\r\n\r\n"), 400,
    "x-note: holds the control byte 0x01"],
  ["a header name that is not a token", raw("GET /healthz HTTP/1.1\r\nHost: kepu\r\nX(y): z\r\n\r\n"), 400,
    'the header name "X(y)" is not a token'],
  ["obs-fold", raw("GET /healthz HTTP/1.1\r\nHost: kepu\r\nX-Note: a\r\n b\r\n\r\n"), 400,
    "x-note: continued on a line that starts with whitespace (obs-fold)"],
  ["Content-Length and Transfer-Encoding",
    raw(login, `Content-Length: ${loginBody.length}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      `${loginBody.length.toString(16)}\r\n${loginBody}\r\n0\r\n\r\n`),
    400, "transfer-encoding and content-length: "],
  ["a second Content-Length (the same)",
    raw(login, `Content-Length: ${loginBody.length}\r\nContent-Length: ${loginBody.length}\r\n\r\n${loginBody}`),
    400, "content-length: sent more than once"],
  ["Transfer-Encoding other than chunked", raw(login, "Transfer-Encoding: gzip\r\n\r\n", loginBody), 400,
    'transfer-encoding: only chunked is accepted, not "gzip"'],
  ["a chunk size that is not hexadecimal", chunked(`zz\r\n${loginBody}\r\n0\r\n\r\n`), 400, "the chunked body: "],
  ["a bad chunk extension", chunked(`${loginBody.length.toString(16)};=\r\n${loginBody}\r\n0\r\n\r\n`), 400,
    "the chunked body: a chunk's size line"],
  ["a bad trailer", chunked(`${loginBody.length.toString(16)}\r\n${loginBody}\r\n0\r\nno colon\r\n\r\n`), 400,
    "the chunked body: its trailer section"],
];

// Every line kepud wrote so far is one JSON object.
function expectOnlyJsonLogged(): void {
  const lines = fx.world.kepud!.child.output().split("\n").filter((line) => line !== "");
  expect(lines.length).toBeGreaterThan(0);
  const notJson = lines.filter((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value !== "object" || value === null || Array.isArray(value);
    } catch {
      return true;
    }
  });
  expect(notJson).toEqual([]);
}

describe("malformed HTTP", () => {
  test.each(cases)("%s: refused naming it, then the connection closes", async (_what, bytes, status, message) => {
    const answer = await exchange(bytes);
    expect({ status: answer.status, closed: answer.closed, answers: answer.answers }).toEqual({
      status, closed: true, answers: 1,
    });
    expect(answer.head).toMatch(/\r\nContent-Type: application\/json/i);
    const error = JSON.parse(answer.body) as { code: string; message: string };
    expect(error.message.startsWith(message), `${error.message} starts with ${message}`).toBe(true);
    expect((await getRaw(fx.world, "/healthz")).status).toBe(200);
    expectOnlyJsonLogged();
  });

  test("bad bytes in Last-Event-ID: 400 naming the header, no call, nothing but JSON logged", async () => {
    const token = await fx.token("resident");
    for (const id of [[0xff, 0xfe], [0xc3, 0xa9], [0x09]]) {
      const answer = await exchange(raw(
        `GET /sse/kepu.v1.OrderService/WatchMyOrders?access_token=${token} HTTP/1.1\r\nHost: kepu\r\n`,
        "Last-Event-ID: 1700000000000", id, "-0\r\n\r\n",
      ));
      expect({ id, status: answer.status, closed: answer.closed }).toEqual({ id, status: 400, closed: true });
      expect(JSON.parse(answer.body)).toMatchObject({
        code: "invalid_argument", message: "last-event-id: must be printable ASCII",
      });
    }
    // A good one still resumes (the stream opens; the client hangs up).
    const good = await exchange(raw(
      `GET /sse/kepu.v1.OrderService/WatchMyOrders?access_token=${token} HTTP/1.1\r\nHost: kepu\r\n`,
      "Last-Event-ID: 1700000000000-0\r\n\r\n",
    ), { untilHead: true });
    expect(good.status).toBe(200);
    expect(good.head).toMatch(/text\/event-stream/);
    expectOnlyJsonLogged();
  });

  test("text that is not UTF-8 in a binary request: 400 naming the field, before protobuf sees it", async () => {
    const answer = await exchange(raw(
      "POST /kepu.v1.IdentityService/Login HTTP/1.1\r\nHost: kepu\r\nContent-Type: application/proto\r\n",
      "Connection: close\r\nContent-Length: 4\r\n\r\n", [0x0a, 0x02, 0xff, 0xfe],
    ));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ code: "invalid_argument", message: "phone: is not valid UTF-8" });
    expectOnlyJsonLogged();
  });
});
