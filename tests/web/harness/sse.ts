// A small server-sent events client with EventSource's semantics (the WHATWG "event stream
// interpretation": id/event/data/retry fields, comments, the last event id carried across
// events), on fetch so a test can drop the connection when it likes and reconnect with
// Last-Event-ID, as EventSource does.

export interface SseEvent {
  // "message" unless the stream named another type (e.g. "error").
  type: string;
  data: string;
  // The last event id after this event (EventSource's lastEventId).
  lastEventId: string;
}

export class SseStream {
  readonly status: number;
  readonly headers: Headers;
  // The body, when the answer is not an event stream (status != 200).
  readonly body: string;
  lastEventId = "";
  comments: string[] = [];
  // Everything the stream carried so far (for failure reports).
  raw = "";
  private readonly events: SseEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private failure: unknown;
  private readonly controller: AbortController;

  private constructor(status: number, headers: Headers, body: string, controller: AbortController) {
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.controller = controller;
  }

  static async open(
    url: string,
    options: { headers?: Record<string, string>; lastEventId?: string; timeoutMs?: number } = {},
  ): Promise<SseStream> {
    const controller = new AbortController();
    const headers: Record<string, string> = { accept: "text/event-stream", ...options.headers };
    if (options.lastEventId !== undefined) headers["last-event-id"] = options.lastEventId;
    const timer = setTimeout(() => controller.abort(new Error("no answer headers in time")),
      options.timeoutMs ?? 15_000);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
    const isStream = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (response.status !== 200 || !isStream) {
      const body = await response.text();
      const stream = new SseStream(response.status, response.headers, body, controller);
      stream.closed = true;
      return stream;
    }
    const stream = new SseStream(response.status, response.headers, "", controller);
    if (options.lastEventId !== undefined) stream.lastEventId = options.lastEventId;
    void stream.pump(response.body!);
    return stream;
  }

  get contentType(): string {
    return this.headers.get("content-type") ?? "";
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // Drops the connection (as a network failure or a closed tab would).
  close(): void {
    this.closed = true;
    this.controller.abort();
    this.notify();
  }

  // The next event; null when the server closed the stream. Rejects after `timeoutMs`.
  next(timeoutMs = 10_000): Promise<SseEvent | null> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const event = this.events.shift();
        if (event !== undefined) {
          done();
          resolve(event);
        } else if (this.closed) {
          done();
          if (this.failure !== undefined) reject(this.failure);
          else resolve(null);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no server-sent event within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  // Waits for the server to end the stream, returning what came before the end.
  async rest(timeoutMs = 10_000): Promise<SseEvent[]> {
    const events: SseEvent[] = [];
    for (;;) {
      const event = await this.next(timeoutMs);
      if (event === null) return events;
      events.push(event);
    }
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder("utf-8");
    const reader = body.getReader();
    let buffer = "";
    let data: string[] = [];
    let type = "";
    let pendingId = this.lastEventId;
    const line = (text: string) => {
      if (text === "") {
        // Dispatch (WHATWG: the id is kept even when no event is dispatched).
        this.lastEventId = pendingId;
        if (data.length > 0) {
          this.events.push({ type: type || "message", data: data.join("\n"), lastEventId: pendingId });
        }
        data = [];
        type = "";
        return;
      }
      if (text.startsWith(":")) {
        this.comments.push(text.slice(1).trimStart());
        return;
      }
      const colon = text.indexOf(":");
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") type = value;
      else if (field === "id" && !value.includes("\0")) pendingId = value;
      // "retry" and unknown fields are ignored here.
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (this.raw.length < 1_000_000) this.raw += text;
        buffer += text;
        // Lines end with CRLF, LF or CR; keep a trailing CR until we know what follows it.
        let match: RegExpExecArray | null;
        const eol = /\r\n|\n|\r(?!$)/g;
        let start = 0;
        while ((match = eol.exec(buffer)) !== null) {
          line(buffer.slice(start, match.index));
          start = match.index + match[0].length;
        }
        buffer = buffer.slice(start);
        this.notify();
      }
    } catch (error) {
      if (!this.closed) this.failure = error;
    } finally {
      // An event without its closing blank line is dropped, as EventSource does.
      this.closed = true;
      this.notify();
    }
  }
}
