import { useLive } from "../app/hooks.js";

/**
 * Says when the live stream is down ("Reconnecting…"); empty while live. Always rendered, so
 * screen readers announce the change (a status live region).
 */
export function ConnectionBanner() {
  const status = useLive((s) => s.status);
  const text =
    status === "reconnecting" ? "Reconnecting…" : status === "connecting" ? "Connecting…" : "";
  return (
    <output className={`connection-banner ${status}`}>
      {text && <span className="spinner" aria-hidden="true" />}
      {text}
    </output>
  );
}
