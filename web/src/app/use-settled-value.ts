import { useEffect, useState } from "react";

/**
 * `value` once it has stopped changing for `ms` (the first value at once). For a search box: one
 * query when the person pauses, not one per keystroke.
 */
export function useSettledValue<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (Object.is(value, settled)) return;
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, settled, ms]);
  return settled;
}
