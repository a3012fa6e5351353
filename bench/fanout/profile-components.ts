import type { ComponentRule } from "../lib/cpuprofile.js";

const url = (pattern: RegExp) => (frame: { readonly url: string }) => pattern.test(frame.url);

/**
 * The parts of a messaging instance the fan-out profile is split into (see
 * `attributeCpuProfile`: natives and Node's own modules are charged to the library or Parley code
 * that called them, so a socket write made by ioredis counts as Redis, one made for a stream's
 * response by connect-node's adapter as connect-node).
 */
export const MESSAGING_COMPONENTS: readonly ComponentRule[] = [
  {
    name: "SQLite: better-sqlite3 + messaging's store adapters",
    test: url(/better-sqlite3|services\/messaging\/src\/adapters\/sqlite-/),
  },
  {
    name: "Redis: ioredis + mesh bus (PUBLISH writes, replies, messages in)",
    test: url(/\/ioredis\/|\/redis-parser\/|\/@ioredis\/|mesh\/src\/bus\/|mesh\/src\/redis\//),
  },
  { name: "protobuf-es: encode / decode", test: url(/@bufbuild\/protobuf\//) },
  { name: "protovalidate (+ its RE2, CEL)", test: url(/@bufbuild\/(protovalidate|re2|cel)/) },
  {
    name: "OpenTelemetry + AsyncLocalStorage (async_hooks)",
    test: url(/@opentelemetry\/|async_hooks|tracing-interceptor/),
  },
  { name: "pino", test: url(/\/pino/) },
  {
    name: "AbortSignal / EventTarget / DOMException",
    test: url(/abort_controller|event_target|domexception/),
  },
  {
    name: "connect: RPC + stream plumbing (async iterables, envelopes)",
    test: url(/@connectrpc\/connect\//),
  },
  { name: "connect-node: Node adapter", test: url(/@connectrpc\/connect-node\//) },
  { name: "mesh: serve() + interceptors", test: url(/mesh\/src\//) },
  {
    name: "messaging: live fan-out (hub, subscriber pump, event queue)",
    test: url(/services\/messaging\/src\/live\//),
  },
  { name: "messaging: handlers, codec, the rest", test: url(/services\/messaging\/src\//) },
  {
    name: "node: http2 + streams + net (with no Parley or library code above)",
    test: url(/node:internal\/(http2|streams|stream_base)|node:net/),
    fallback: true,
  },
  {
    name: "node: other (microtask queue, timers, ... with nothing above)",
    test: url(/^node:/),
    fallback: true,
  },
];
