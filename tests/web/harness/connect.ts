// Talking to the gateway: real Connect clients (connect-node, HTTP/1.1, JSON unless asked for
// binary) with the generated service descriptors, and raw fetch for what a client library hides.
import type { DescService } from "@bufbuild/protobuf";
import { type Client, type Interceptor, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { IdentityService, type Session } from "../gen/kepu/v1/identity_pb.js";
import type { World } from "./world.js";

export interface ClientOptions {
  // Sent as "Authorization: Bearer <token>".
  token?: string;
  // application/proto instead of application/json.
  binary?: boolean;
  // Extra headers on every call.
  headers?: Record<string, string>;
}

export function transport(world: World, options: ClientOptions = {}) {
  const headers: Interceptor = (next) => async (request) => {
    if (options.token !== undefined) request.header.set("authorization", `Bearer ${options.token}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) request.header.set(name, value);
    return next(request);
  };
  return createConnectTransport({
    baseUrl: world.baseUrl,
    httpVersion: "1.1",
    useBinaryFormat: options.binary ?? false,
    interceptors: [headers],
  });
}

export function client<S extends DescService>(
  world: World,
  service: S,
  options: ClientOptions = {},
): Client<S> {
  return createClient(service, transport(world, options));
}

// Signs in through the gateway (IdentityService.Login).
export async function login(world: World, phone: string, password: string): Promise<Session> {
  return client(world, IdentityService).login({ phone, password });
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  // The body parsed as JSON, or undefined when it is not JSON.
  json: any;
  headers: Headers;
}

// POSTs `body` (an object is sent as JSON, a string or bytes as they are) to
// /kepu.v1.<Service>/<Method> and reads the whole answer.
export async function postRaw(
  world: World,
  path: string,
  body: unknown,
  options: { token?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/json",
    ...options.headers,
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const payload: BodyInit =
    typeof body === "string"
      ? body
      : body instanceof Uint8Array
        ? new Blob([body as Uint8Array<ArrayBuffer>])
        : JSON.stringify(body);
  const response = await fetch(`${world.baseUrl}${path}`, {
    method: "POST",
    headers,
    body: payload,
    signal: AbortSignal.timeout(15_000),
  });
  return readRaw(response);
}

export async function getRaw(
  world: World,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const response = await fetch(`${world.baseUrl}${path}`, {
    headers,
    signal: AbortSignal.timeout(15_000),
  });
  return readRaw(response);
}

async function readRaw(response: Response): Promise<RawResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text,
    json,
    headers: response.headers,
  };
}

let counter = 0;
// A fresh request id (8 to 64 characters of [A-Za-z0-9_-]).
export function requestId(prefix = "web"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
