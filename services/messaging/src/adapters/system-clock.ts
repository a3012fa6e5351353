import type { Clock } from "../ports.js";

/** The wall clock. Use cases read time only through {@link Clock} so tests can move it. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
