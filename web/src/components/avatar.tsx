import type { PresenceStatus } from "@parley/gen/parley/messaging/v1/presence_pb.js";
import { presenceLabel } from "../app/hooks.js";
import { hueFor, initials } from "../lib/format.js";

/** Initials on a colour of the person's own; with a presence dot when `presence` is given. */
export function Avatar({
  userId,
  name,
  presence,
  size = "md",
}: {
  userId: string;
  name: string;
  presence?: PresenceStatus | undefined;
  size?: "sm" | "md";
}) {
  return (
    <span
      className={`avatar avatar-${size}`}
      style={{ "--hue": hueFor(userId) } as React.CSSProperties}
      aria-hidden="true"
    >
      {initials(name) || "?"}
      {presence !== undefined && <PresenceDot status={presence} />}
    </span>
  );
}

/** A coloured dot; its meaning is also given in words (title, and hidden text where it matters). */
export function PresenceDot({ status }: { status: PresenceStatus | undefined }) {
  const label = presenceLabel(status);
  return <span className={`presence presence-${label}`} title={label} />;
}
