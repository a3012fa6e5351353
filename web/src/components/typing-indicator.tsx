import { displayName, useLive } from "../app/hooks.js";
import { useUsers } from "../app/use-users.js";
import { typingSentence, typingUsers } from "../lib/typing.js";

/** "Ada is typing…" under a conversation (polite: read when the person pauses). */
export function TypingIndicator({
  channelId,
  threadRootId = "",
}: {
  channelId: string;
  threadRootId?: string;
}) {
  const typing = useLive((s) => s.typing);
  const ids = typingUsers(typing, channelId, threadRootId);
  const users = useUsers(ids);
  const sentence = typingSentence(users.map((u) => displayName(u)));
  return (
    <div className="typing" aria-live="polite">
      {sentence && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {sentence}
        </>
      )}
    </div>
  );
}
