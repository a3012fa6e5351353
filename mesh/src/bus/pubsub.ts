/**
 * Fire-and-forget fan-out between the instances of a service: what one instance publishes on a
 * topic, every subscribed instance (itself included) receives, at most once, in publish order
 * per publisher. Nothing is stored: a message published while a subscriber is disconnected is
 * lost to it, so services pair the bus with a durable log (messaging's per-channel offsets) and
 * use the bus only to say "something new, here it is".
 *
 * Implementations: {@link MemoryPubSub} (single process) and `RedisPubSub` (Redis pub/sub across
 * instances). Both carry W3C trace context, so one trace spans publisher and subscribers.
 */
export interface PubSub {
  /**
   * Publishes `payload` to every subscriber of `topic`. Resolves once handed to the transport;
   * rejects when the transport is down (the caller decides whether that matters: the message is
   * already durable elsewhere, or it was ephemeral).
   */
  publish(topic: string, payload: Uint8Array): Promise<void>;
  /**
   * Calls `handler` for every message on `topic` until the returned function is called. The
   * handler runs inside the publisher's trace context (a CONSUMER span).
   */
  subscribe(topic: string, handler: (payload: Uint8Array) => void): Promise<() => Promise<void>>;
  /** Whether messages currently flow (Redis connected); subscribers may use it to resync. */
  readonly connected: boolean;
  /** Called with `true` when the transport (re)connects and `false` when it drops. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}
