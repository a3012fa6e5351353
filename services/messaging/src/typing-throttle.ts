import { TYPING_MIN_INTERVAL_MS } from "./limits.js";

const SWEEP_AT = 10_000;

/**
 * Absorbs SendTyping calls that come faster than every 2 seconds per person, channel and thread
 * (the contract lets clients call freely; the bus need not carry every keystroke). Per instance:
 * a client whose calls land on two instances may get a few more through, which is harmless.
 */
export class TypingThrottle {
  readonly #lastSent = new Map<string, number>();

  /** Whether a "typing" indicator should go out now; records it when it does. */
  allow(key: string, now: number): boolean {
    const last = this.#lastSent.get(key);
    if (last !== undefined && now - last < TYPING_MIN_INTERVAL_MS) return false;
    this.#lastSent.set(key, now);
    if (this.#lastSent.size > SWEEP_AT) this.#sweep(now);
    return true;
  }

  /** A "stopped" went out: the next "typing" goes out at once. */
  clear(key: string): void {
    this.#lastSent.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, at] of this.#lastSent) {
      if (now - at >= TYPING_MIN_INTERVAL_MS) this.#lastSent.delete(key);
    }
  }
}
