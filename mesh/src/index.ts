/**
 * @parley/mesh — the runtime every Parley service uses, so a service's own code is business logic
 * only: serve(), connectTo(), identity and policy, validation, authentication, error mapping,
 * logging and tracing.
 */
export * from "./auth/auth-jwks.js";
export * from "./auth/claims.js";
export * from "./auth/revoked-tokens.js";
export * from "./auth/token-verifier.js";
export * from "./bus/consumer-span.js";
export * from "./bus/memory-pubsub.js";
export * from "./bus/pubsub.js";
export * from "./bus/redis-pubsub.js";
export * from "./client/circuit-breaker.js";
export * from "./client/client-config.js";
export * from "./client/connect-to.js";
export * from "./client/discovery.js";
export * from "./client/endpoint-pool.js";
export * from "./client/peer-process-config.js";
export * from "./client/retry-interceptor.js";
export * from "./config/env-reader.js";
export * from "./config/env-values.js";
export * from "./config/mesh-config.js";
export * from "./context.js";
export * from "./domain-error.js";
export * from "./health/health-registry.js";
export * from "./interceptors/deadline-interceptor.js";
export * from "./interceptors/error-interceptor.js";
export * from "./interceptors/tracing-interceptor.js";
export * from "./paging/page-token.js";
export * from "./pki/index.js";
export * from "./policy/policy.js";
export * from "./ports.js";
export * from "./process/run-until-signal.js";
export * from "./rate-limit/memory-rate-limiter.js";
export * from "./rate-limit/rate-limiter.js";
export * from "./rate-limit/redis-rate-limiter.js";
export * from "./redis/create-redis-client.js";
export * from "./server/serve.js";
export * from "./stream/event-queue.js";
export * from "./telemetry/deferred-trace.js";
export * from "./telemetry/logger.js";
export * from "./telemetry/start-tracing.js";
