const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How far `notBefore` is set in the past by default, so a certificate made on one machine is
 * already valid on another whose clock runs a little behind.
 */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A certificate's validity window. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * Resolves a validity window from explicit dates or a number of days from now (minus clock
 * skew), and rejects windows that are empty or not made of real dates.
 */
export function resolveValidity(options: {
  readonly validityDays?: number | undefined;
  readonly notBefore?: Date | undefined;
  readonly notAfter?: Date | undefined;
  readonly defaultDays: number;
  readonly now?: Date | undefined;
}): Validity {
  const days = options.validityDays ?? options.defaultDays;
  if (!Number.isFinite(days) || days <= 0) {
    throw new RangeError(`validityDays must be a positive number, got ${days}`);
  }
  const now = options.now ?? new Date();
  const notBefore = options.notBefore ?? new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + days * DAY_MS);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new RangeError("notBefore and notAfter must be valid dates");
  }
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new RangeError(
      `notAfter (${notAfter.toISOString()}) must be after notBefore (${notBefore.toISOString()})`,
    );
  }
  return { notBefore, notAfter };
}
