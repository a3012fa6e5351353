import { Code } from "@connectrpc/connect";
import { useMutation, useQuery, useTransport } from "@connectrpc/connect-query";
import { AuthService } from "@parley/gen/parley/auth/v1/auth_service_pb.js";
import { ChannelKind, type JoinedChannel } from "@parley/gen/parley/messaging/v1/channel_pb.js";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { keepPreviousData, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useApp } from "../app/context.js";
import { displayName, useSelfId, useUser } from "../app/hooks.js";
import { userKey } from "../app/live-sync.js";
import { channelsKey } from "../app/queries.js";
import { navigate } from "../app/router.js";
import { useSettledValue } from "../app/use-settled-value.js";
import { addJoinedChannel } from "../lib/channel-list.js";
import { describeError, type ErrorDescription, onField } from "../lib/errors.js";
import { Field, FormError, SubmitButton, useFormErrors } from "./field.js";
import { HashIcon } from "./icons.js";
import { Modal } from "./modal.js";

const CHANNEL_HINTS = {
  "name:string.pattern":
    "Use lower-case letters, digits, “-” and “_”, starting with a letter or digit.",
};

/** Puts a channel the person now belongs to into the list and opens it. */
function useOpenJoined() {
  const queryClient = useQueryClient();
  const transport = useTransport();
  return (joined: JoinedChannel | undefined) => {
    if (!joined?.channel) return;
    queryClient.setQueryData(channelsKey(transport), (data) =>
      data ? addJoinedChannel(data, joined) : data,
    );
    navigate({ channelId: joined.channel.id });
  };
}

export function CreateChannelDialog({ onClose }: { onClose: () => void }) {
  const open = useOpenJoined();
  const { form, errors, setErrors } = useFormErrors();
  const [name, setName] = useState("");
  const create = useMutation(MessagingService.method.createChannel, {
    onSuccess: (res) => {
      onClose();
      open(res.channel);
    },
    onError: (err) => {
      const described = describeError(err, CHANNEL_HINTS);
      setErrors(described.code === Code.AlreadyExists ? onField(described, "name") : described);
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setErrors(undefined);
    create.mutate({
      name,
      topic: String(data.get("topic")).trim(),
      kind: data.get("kind") === "private" ? ChannelKind.PRIVATE : ChannelKind.PUBLIC,
    });
  };
  return (
    <Modal title="Create a channel" onClose={onClose}>
      <form ref={form} onSubmit={submit} noValidate>
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value.toLowerCase().replace(/\s+/g, "-"))}
          autoComplete="off"
          spellCheck={false}
          autoFocus
          placeholder="e.g. plans"
          hint="Lower-case letters, digits, “-” and “_”."
          error={errors?.fields.name}
        />
        <Field
          label={
            <>
              Topic <span className="optional">(optional)</span>
            </>
          }
          name="topic"
          autoComplete="off"
          error={errors?.fields.topic}
        />
        <fieldset className="choices">
          <legend>Who can join</legend>
          <label className="choice">
            <input type="radio" name="kind" value="public" defaultChecked />
            <span>
              <strong>Public</strong>
              <span className="choice-hint">Anyone can find and join it.</span>
            </span>
          </label>
          <label className="choice">
            <input type="radio" name="kind" value="private" />
            <span>
              <strong>Private</strong>
              <span className="choice-hint">Only people added by a member.</span>
            </span>
          </label>
        </fieldset>
        <FormError id="create-channel-error" errors={errors} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton pending={create.isPending} busy="Creating…">
            Create channel
          </SubmitButton>
        </div>
      </form>
    </Modal>
  );
}

/** How long typing in Browse channels pauses before the search runs. */
const SEARCH_PAUSE_MS = 250;

export function BrowseChannelsDialog({ onClose }: { onClose: () => void }) {
  const open = useOpenJoined();
  const [search, setSearch] = useState("");
  // One search when typing pauses; the list shown stays until the new one arrives.
  const query = useSettledValue(search.trim(), SEARCH_PAUSE_MS);
  const [error, setError] = useState<ErrorDescription>();
  const list = useQuery(
    MessagingService.method.listPublicChannels,
    { query, pageSize: 50 },
    { placeholderData: keepPreviousData },
  );
  const searching = list.isPlaceholderData || query !== search.trim();
  const join = useMutation(MessagingService.method.joinChannel, {
    onSuccess: (res) => {
      onClose();
      open(res.channel);
    },
    onError: (err) => setError(describeError(err)),
  });
  return (
    <Modal title="Browse channels" onClose={onClose} wide>
      <div className="field">
        <label htmlFor="browse-search">Search public channels</label>
        <input
          id="browse-search"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          // biome-ignore lint/a11y/noAutofocus: the dialog's first field
          autoFocus
          autoComplete="off"
        />
      </div>
      <FormError id="browse-error" errors={error} />
      {list.isPending && <p className="muted">Loading…</p>}
      {list.isError && <p className="form-error">{describeError(list.error).message}</p>}
      {list.isSuccess && !searching && list.data.channels.length === 0 && (
        <p className="muted">{query ? "No channel matches." : "No public channels yet."}</p>
      )}
      <ul className="browse-list" aria-busy={searching}>
        {list.data?.channels.map(({ channel, joined }) =>
          channel ? (
            <li key={channel.id}>
              <span className="browse-icon">
                <HashIcon />
              </span>
              <span className="browse-text">
                <span className="browse-name">{channel.name}</span>
                <span className="browse-meta">
                  {channel.memberCount} {channel.memberCount === 1 ? "member" : "members"}
                  {channel.topic ? ` · ${channel.topic}` : ""}
                </span>
              </span>
              {joined ? (
                <button
                  type="button"
                  onClick={() => {
                    onClose();
                    navigate({ channelId: channel.id });
                  }}
                  aria-label={`Open ${channel.name}`}
                >
                  Open
                </button>
              ) : (
                <button
                  type="button"
                  className="primary"
                  disabled={join.isPending}
                  onClick={() => join.mutate({ channelId: channel.id })}
                  aria-label={`Join ${channel.name}`}
                >
                  Join
                </button>
              )}
            </li>
          ) : null,
        )}
      </ul>
    </Modal>
  );
}

export function DirectMessageDialog({ onClose }: { onClose: () => void }) {
  const open = useOpenJoined();
  const { form, errors, setErrors } = useFormErrors();
  const lookup = useMutation(AuthService.method.lookupUsers);
  const openDirect = useMutation(MessagingService.method.openDirectChannel);
  const busy = lookup.isPending || openDirect.isPending;
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const username = String(new FormData(e.currentTarget).get("username"))
      .trim()
      .replace(/^@/, "")
      .toLowerCase();
    setErrors(undefined);
    if (!username) {
      setErrors({
        code: Code.InvalidArgument,
        message: "",
        fields: { username: "Enter a username." },
      });
      return;
    }
    try {
      const { users } = await lookup.mutateAsync({ usernames: [username] });
      const user = users[0];
      if (!user) {
        setErrors({
          code: Code.NotFound,
          message: "",
          fields: { username: `There is no one called @${username}.` },
        });
        return;
      }
      const res = await openDirect.mutateAsync({ userIds: [user.id] });
      onClose();
      open(res.channel);
    } catch (err) {
      const described = describeError(err);
      const field = described.fields.usernames ?? described.fields.user_ids;
      setErrors(field ? { ...described, fields: { username: field } } : described);
    }
  };
  return (
    <Modal title="New direct message" onClose={onClose}>
      <form ref={form} onSubmit={submit} noValidate>
        <Field
          label="Username"
          name="username"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          placeholder="e.g. ada"
          error={errors?.fields.username}
        />
        <FormError id="direct-error" errors={errors} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton pending={busy} busy="Opening…">
            Open conversation
          </SubmitButton>
        </div>
      </form>
    </Modal>
  );
}

export function ProfileDialog({ onClose }: { onClose: () => void }) {
  const { session, auth } = useApp();
  const queryClient = useQueryClient();
  const selfId = useSelfId();
  const user = useUser(selfId);
  const { form, errors, setErrors } = useFormErrors();
  const [saved, setSaved] = useState(false);
  const update = useMutation(AuthService.method.updateProfile, {
    onSuccess: (res) => {
      if (!res.user) return;
      queryClient.setQueryData(userKey(res.user.id), res.user);
      session.updateUser({
        id: res.user.id,
        username: res.user.username,
        displayName: res.user.displayName,
      });
      setSaved(true);
    },
    onError: (err) =>
      setErrors(
        describeError(err, { "display_name:string.pattern": "Enter a name, not only spaces." }),
      ),
  });
  const [signingOut, setSigningOut] = useState(false);
  const signOut = async () => {
    setSigningOut(true);
    const state = session.state;
    if (state.status === "signed-in") {
      try {
        await auth.logout({ refreshToken: state.session.refreshToken });
      } catch {
        // Signed out here regardless; the refresh token expires on its own.
      }
    }
    session.signOut();
  };
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setErrors(undefined);
    setSaved(false);
    update.mutate({ displayName: String(new FormData(e.currentTarget).get("displayName")) });
  };
  return (
    <Modal title="Your profile" onClose={onClose}>
      <p className="muted">
        Signed in as <strong>@{user?.username}</strong>
      </p>
      <form ref={form} onSubmit={submit} noValidate>
        <Field
          label="Display name"
          name="displayName"
          defaultValue={user ? displayName(user) : ""}
          key={user?.displayName}
          autoComplete="name"
          autoFocus
          hint="How others see you, up to 64 characters."
          error={errors?.fields.display_name}
        />
        <FormError id="profile-error" errors={errors} />
        <output className="saved">{saved ? "Saved." : ""}</output>
        <div className="dialog-actions spread">
          <button type="button" className="danger-outline" onClick={signOut} disabled={signingOut}>
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
          <span className="dialog-actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
            <SubmitButton pending={update.isPending} busy="Saving…">
              Save
            </SubmitButton>
          </span>
        </div>
      </form>
    </Modal>
  );
}
