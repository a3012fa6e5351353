import { Code } from "@connectrpc/connect";
import { useMutation, useQuery, useTransport } from "@connectrpc/connect-query";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import {
  ChannelKind,
  type JoinedChannel,
  MemberRole,
} from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { displayName, presenceLabel, usePresence, useSelfId } from "../app/hooks.js";
import { channelsKey } from "../app/queries.js";
import { navigate } from "../app/router.js";
import { useUsers } from "../app/use-users.js";
import { removeChannel } from "../lib/channel-list.js";
import { describeError } from "../lib/errors.js";
import { Avatar } from "./avatar.js";
import { Field, FormError, useFormErrors } from "./field.js";
import { Modal } from "./modal.js";

/**
 * Who is in a channel (with presence), adding people by username, and leaving. Direct channels
 * have a fixed set of people: no adding or leaving there.
 */
export function MembersDialog({ joined, onClose }: { joined: JoinedChannel; onClose: () => void }) {
  const channel = joined.channel;
  const channelId = channel?.id ?? "";
  const selfId = useSelfId();
  const queryClient = useQueryClient();
  const transport = useTransport();
  const members = useQuery(MessagingService.method.listMembers, { channelId, pageSize: 200 });
  const ids = members.data?.members.map((m) => m.userId) ?? [];
  const users = useUsers(ids);
  const presence = usePresence(ids);
  const { form, errors, setErrors } = useFormErrors();
  const [added, setAdded] = useState("");
  const lookup = useMutation(AuthService.method.lookupUsers);
  const add = useMutation(MessagingService.method.addMembers);
  const leave = useMutation(MessagingService.method.leaveChannel, {
    onSuccess: () => {
      queryClient.setQueryData(channelsKey(transport), (data) =>
        data ? removeChannel(data, channelId) : data,
      );
      onClose();
      navigate({});
    },
    onError: (err) => setErrors(describeError(err)),
  });
  const direct = channel?.kind === ChannelKind.DIRECT;

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem("username") as HTMLInputElement;
    const username = input.value.trim().replace(/^@/, "").toLowerCase();
    setErrors(undefined);
    setAdded("");
    const fieldError = (text: string) =>
      setErrors({ code: Code.InvalidArgument, message: "", fields: { username: text } });
    if (!username) return fieldError("Enter a username.");
    try {
      const user = (await lookup.mutateAsync({ usernames: [username] })).users[0];
      if (!user) return fieldError(`There is no one called @${username}.`);
      const res = await add.mutateAsync({ channelId, userIds: [user.id] });
      setAdded(
        res.added.length > 0
          ? `Added ${displayName(user)}.`
          : `${displayName(user)} is already a member.`,
      );
      input.value = "";
      void members.refetch();
    } catch (err) {
      setErrors(describeError(err));
    }
  };

  return (
    <Modal title={direct ? "People" : `Members of #${channel?.name ?? ""}`} onClose={onClose} wide>
      {!direct && !channel?.archivedAt && (
        <form ref={form} onSubmit={submit} noValidate className="inline-form">
          <Field
            label="Add someone by username"
            name="username"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            placeholder="e.g. ada"
            error={errors?.fields.username}
          />
          <button type="submit" className="primary" disabled={lookup.isPending || add.isPending}>
            Add
          </button>
        </form>
      )}
      <output className="saved">{added}</output>
      <FormError id="members-error" errors={errors} />
      {members.isPending && <p className="muted">Loading…</p>}
      <ul className="member-list" aria-label="Members">
        {members.data?.members.map((member, i) => {
          const user = users[i];
          const status = presenceLabel(presence.get(member.userId));
          return (
            <li key={member.userId}>
              <Avatar
                userId={member.userId}
                name={displayName(user)}
                presence={presence.get(member.userId)}
                size="sm"
              />
              <span className="member-text">
                <span className="member-name">
                  {displayName(user)}
                  {member.userId === selfId && <span className="muted"> (you)</span>}
                </span>
                <span className="member-meta">
                  @{user?.username ?? "…"} · {status}
                </span>
              </span>
              {member.role === MemberRole.OWNER && <span className="tag">owner</span>}
            </li>
          );
        })}
      </ul>
      {!direct && (
        <div className="dialog-actions spread">
          <button
            type="button"
            className="danger-outline"
            disabled={leave.isPending}
            onClick={() => leave.mutate({ channelId })}
          >
            Leave channel
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      )}
    </Modal>
  );
}
