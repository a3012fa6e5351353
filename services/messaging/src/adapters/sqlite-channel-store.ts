import type {
  ChannelRecord,
  ChannelStore,
  JoinedChannelRecord,
  JoinedChannelsQuery,
  MemberCursor,
  MemberRecord,
  MemberRoleName,
  MembershipChangeName,
  NewChannel,
  NewDirectChannel,
  PublicChannelsQuery,
  ReadStateRecord,
  StoredEvent,
  WriteResult,
} from "../ports.js";
import {
  CHANNEL_COLUMNS,
  type ChannelRow,
  MEMBER_COLUMNS,
  type MemberRow,
  type SqliteShared,
  toChannel,
  toMember,
} from "./sqlite-common.js";

/** {@link ChannelStore} on messaging's SQLite database. */
export class SqliteChannelStore implements ChannelStore {
  private readonly db;
  private readonly stmts;

  constructor(
    private readonly shared: SqliteShared,
    private readonly maxMemberships: number,
  ) {
    const db = shared.db;
    this.db = db;
    this.stmts = {
      nameTaken: db.prepare<[string, string], { id: string }>(
        "SELECT id FROM channels WHERE name_key = ? AND deleted_at IS NULL AND id != ?",
      ),
      byDmKey: db.prepare<[string], ChannelRow>(
        `SELECT ${CHANNEL_COLUMNS} FROM channels c WHERE c.dm_key = ? AND c.deleted_at IS NULL`,
      ),
      insertChannel: db.prepare(
        `INSERT INTO channels (id, kind, name, name_key, topic, created_by, created_at, updated_at,
                               dm_key, epoch)
         VALUES (@id, @kind, @name, @nameKey, @topic, @createdBy, @now, @now, @dmKey, @epoch)`,
      ),
      insertMember: db.prepare<[string, string, string, number, number]>(
        `INSERT INTO members (channel_id, user_id, role, joined_at, joined_offset)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      deleteMember: db.prepare<[string, string]>(
        "DELETE FROM members WHERE channel_id = ? AND user_id = ?",
      ),
      setRole: db.prepare<[string, string, string]>(
        "UPDATE members SET role = ? WHERE channel_id = ? AND user_id = ?",
      ),
      countOwners: db.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM members WHERE channel_id = ? AND role = 'owner'",
      ),
      recount: db.prepare<[string]>(
        `UPDATE channels SET member_count = (SELECT COUNT(*) FROM members WHERE channel_id = id)
         WHERE id = ?`,
      ),
      membershipCounts: db.prepare<[string], { user_id: string; n: number }>(
        `SELECT user_id, COUNT(*) AS n FROM members
         WHERE user_id IN (SELECT value FROM json_each(?)) GROUP BY user_id`,
      ),
      existingMembers: db.prepare<[string, string], { user_id: string }>(
        `SELECT user_id FROM members
         WHERE channel_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
      ),
      update: db.prepare<[string, string | null, string, number, string]>(
        "UPDATE channels SET name = ?, name_key = ?, topic = ?, updated_at = ? WHERE id = ?",
      ),
      setArchived: db.prepare<[number | null, number, string]>(
        "UPDATE channels SET archived_at = ?, updated_at = ? WHERE id = ?",
      ),
      deleteMessages: db.prepare<[string]>("DELETE FROM messages WHERE channel_id = ?"),
      deleteMembers: db.prepare<[string]>("DELETE FROM members WHERE channel_id = ?"),
      trimLogBefore: db.prepare<[string, number]>(
        "DELETE FROM channel_events WHERE channel_id = ? AND event_offset < ?",
      ),
      tombstone: db.prepare<[number, string]>(
        `UPDATE channels SET deleted_at = ?, name = '', name_key = NULL, topic = '',
                             member_count = 0
         WHERE id = ?`,
      ),
      joined: db.prepare(
        `SELECT ${CHANNEL_COLUMNS}, ${MEMBER_COLUMNS}
         FROM members m JOIN channels c ON c.id = m.channel_id
         WHERE m.user_id = @userId AND c.deleted_at IS NULL
           AND (@kinds = '[]' OR c.kind IN (SELECT value FROM json_each(@kinds)))
           AND (@includeArchived = 1 OR c.archived_at IS NULL)
           AND c.id > @after
         ORDER BY c.id LIMIT @limit`,
      ),
      publicPage: db.prepare(
        `SELECT ${CHANNEL_COLUMNS},
                EXISTS (SELECT 1 FROM members WHERE channel_id = c.id AND user_id = @viewer)
                  AS joined
         FROM channels c
         WHERE c.kind = 'public' AND c.deleted_at IS NULL
           AND (@includeArchived = 1 OR c.archived_at IS NULL)
           AND (@search = '' OR instr(casefold(c.name), @search) > 0
                OR instr(casefold(c.topic), @search) > 0)
           AND (c.name, c.id) > (@afterName, @afterId)
         ORDER BY c.name, c.id LIMIT @limit`,
      ),
      membersPage: db.prepare(
        `SELECT ${MEMBER_COLUMNS} FROM members m
         WHERE m.channel_id = @channelId
           AND (CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, m.joined_at, m.user_id)
               > (@rank, @joinedAt, @userId)
         ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, m.joined_at, m.user_id
         LIMIT @limit`,
      ),
      channelIdsOf: db.prepare<[string], { channel_id: string }>(
        "SELECT channel_id FROM members WHERE user_id = ? ORDER BY channel_id",
      ),
    };
  }

  // ---- Reads ----

  async getChannel(id: string): Promise<ChannelRecord | undefined> {
    return this.shared.channel(id);
  }

  async getMember(channelId: string, userId: string): Promise<MemberRecord | undefined> {
    return this.shared.member(channelId, userId);
  }

  async getReadState(channelId: string, userId: string): Promise<ReadStateRecord | undefined> {
    const row = this.shared.memberRow(channelId, userId);
    return row ? this.shared.readState(row) : undefined;
  }

  async listJoined(query: JoinedChannelsQuery): Promise<JoinedChannelRecord[]> {
    return this.db.transaction(() => {
      const rows = this.stmts.joined.all({
        userId: query.userId,
        kinds: JSON.stringify(query.kinds),
        includeArchived: query.includeArchived ? 1 : 0,
        after: query.afterChannelId ?? "",
        limit: query.limit,
      }) as (ChannelRow & MemberRow)[];
      return rows.map((row) => this.joinedFromRow(row));
    })();
  }

  async listPublic(
    query: PublicChannelsQuery,
  ): Promise<{ readonly channel: ChannelRecord; readonly joined: boolean }[]> {
    const rows = this.stmts.publicPage.all({
      viewer: query.viewerId,
      includeArchived: query.includeArchived ? 1 : 0,
      search: query.search,
      afterName: query.after?.name ?? "",
      afterId: query.after?.id ?? "",
      limit: query.limit,
    }) as (ChannelRow & { joined: number })[];
    return rows.map((row) => ({ channel: toChannel(row), joined: row.joined === 1 }));
  }

  async listMembers(
    channelId: string,
    after: MemberCursor | undefined,
    limit: number,
  ): Promise<MemberRecord[]> {
    const rows = this.stmts.membersPage.all({
      channelId,
      rank: after?.rank ?? -1,
      joinedAt: after?.joinedAt ?? 0,
      userId: after?.userId ?? "",
      limit,
    }) as MemberRow[];
    return rows.map(toMember);
  }

  async channelIdsOf(userId: string): Promise<string[]> {
    return this.stmts.channelIdsOf.all(userId).map((row) => row.channel_id);
  }

  // ---- Writes ----

  async createChannel(input: NewChannel): Promise<WriteResult<JoinedChannelRecord>> {
    return this.shared.write((): WriteResult<JoinedChannelRecord> => {
      const nameKey = input.name.toLowerCase();
      if (this.stmts.nameTaken.get(nameKey, input.id)) return { kind: "name_taken" };
      const everyone = [input.creatorId, ...input.memberIds];
      const full = this.atLimit(everyone);
      if (full) return { kind: "membership_limit", userId: full };
      this.stmts.insertChannel.run({
        id: input.id,
        kind: input.kind,
        name: input.name,
        nameKey,
        topic: input.topic,
        createdBy: input.creatorId,
        now: input.now,
        dmKey: null,
        epoch: input.epoch,
      });
      const events = this.addPeople(
        input.id,
        everyone.map((userId, i) => ({
          userId,
          role: i === 0 ? "owner" : "member",
          change: i === 0 ? "joined" : "added",
        })),
        input.creatorId,
        input.now,
      );
      const invited = input.memberIds.filter((id) => id !== input.creatorId);
      if (invited.length > 0) {
        this.shared.owe(
          {
            kind: "invite",
            channelId: input.id,
            offset: lastOffset(events),
            actorId: input.creatorId,
            recipients: invited,
          },
          input.now,
        );
      }
      return { kind: "ok", value: this.joinedRecord(input.id, input.creatorId), events };
    });
  }

  async openDirectChannel(
    input: NewDirectChannel,
  ): Promise<WriteResult<{ readonly joined: JoinedChannelRecord; readonly created: boolean }>> {
    return this.shared.write(
      (): WriteResult<{ readonly joined: JoinedChannelRecord; readonly created: boolean }> => {
        const dmKey = input.participantIds.join(",");
        const existing = this.stmts.byDmKey.get(dmKey);
        if (existing) {
          return {
            kind: "ok",
            value: { joined: this.joinedRecord(existing.id, input.openerId), created: false },
            events: [],
          };
        }
        const full = this.atLimit(input.participantIds);
        if (full) return { kind: "membership_limit", userId: full };
        this.stmts.insertChannel.run({
          id: input.id,
          kind: "direct",
          name: "",
          nameKey: null,
          topic: "",
          createdBy: input.openerId,
          now: input.now,
          dmKey,
          epoch: input.epoch,
        });
        const people = [
          input.openerId,
          ...input.participantIds.filter((id) => id !== input.openerId),
        ];
        const events = this.addPeople(
          input.id,
          people.map((userId, i) => ({
            userId,
            role: "member",
            change: i === 0 ? "joined" : "added",
          })),
          input.openerId,
          input.now,
        );
        return {
          kind: "ok",
          value: { joined: this.joinedRecord(input.id, input.openerId), created: true },
          events,
        };
      },
    );
  }

  async updateChannel(
    channelId: string,
    patch: { readonly name?: string | undefined; readonly topic?: string | undefined },
    actorId: string,
    now: number,
  ): Promise<WriteResult<ChannelRecord>> {
    return this.shared.write((): WriteResult<ChannelRecord> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (channel.kind === "direct") return { kind: "direct" };
      if (channel.archivedAt !== null) return { kind: "archived" };
      const name = patch.name ?? channel.name;
      const topic = patch.topic ?? channel.topic;
      if (name === channel.name && topic === channel.topic) {
        return { kind: "ok", value: channel, events: [] };
      }
      const nameKey = name.toLowerCase();
      if (this.stmts.nameTaken.get(nameKey, channelId)) return { kind: "name_taken" };
      this.stmts.update.run(name, nameKey, topic, now, channelId);
      return this.channelUpdated(channelId, actorId, now);
    });
  }

  async setArchived(
    channelId: string,
    archived: boolean,
    actorId: string,
    now: number,
  ): Promise<WriteResult<ChannelRecord>> {
    return this.shared.write((): WriteResult<ChannelRecord> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (channel.kind === "direct" && archived) return { kind: "direct" };
      if ((channel.archivedAt !== null) === archived) {
        return { kind: "ok", value: channel, events: [] };
      }
      this.stmts.setArchived.run(archived ? now : null, now, channelId);
      return this.channelUpdated(channelId, actorId, now);
    });
  }

  async deleteChannel(channelId: string, actorId: string, now: number): Promise<WriteResult<null>> {
    return this.shared.write((): WriteResult<null> => {
      if (!this.shared.channel(channelId)) return { kind: "not_found" };
      const event = this.shared.append(channelId, { case: "channelDeleted", actorId }, now);
      // The history goes for good, events included; only channel_deleted stays in the log so
      // streams (and instances that missed it on the bus) still learn of the deletion.
      this.stmts.deleteMessages.run(channelId);
      this.stmts.deleteMembers.run(channelId);
      this.stmts.trimLogBefore.run(channelId, event.offset);
      this.stmts.tombstone.run(now, channelId);
      return { kind: "ok", value: null, events: [event] };
    });
  }

  async join(
    channelId: string,
    userId: string,
    now: number,
  ): Promise<WriteResult<JoinedChannelRecord>> {
    return this.shared.write((): WriteResult<JoinedChannelRecord> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (this.shared.memberRow(channelId, userId)) {
        return { kind: "ok", value: this.joinedRecord(channelId, userId), events: [] };
      }
      if (channel.kind !== "public") return { kind: "not_public" };
      if (channel.archivedAt !== null) return { kind: "archived" };
      const full = this.atLimit([userId]);
      if (full) return { kind: "membership_limit", userId: full };
      const events = this.addPeople(
        channelId,
        [{ userId, role: "member", change: "joined" }],
        userId,
        now,
      );
      return { kind: "ok", value: this.joinedRecord(channelId, userId), events };
    });
  }

  async leave(
    channelId: string,
    userId: string,
    now: number,
  ): Promise<WriteResult<{ readonly left: boolean }>> {
    return this.shared.write((): WriteResult<{ readonly left: boolean }> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (channel.kind === "direct") return { kind: "direct" };
      const member = this.shared.member(channelId, userId);
      if (!member) return { kind: "ok", value: { left: false }, events: [] };
      if (member.role === "owner" && channel.memberCount > 1 && this.ownerCount(channelId) <= 1) {
        return { kind: "last_owner" };
      }
      const events = this.removePerson(channelId, userId, "left", userId, now);
      return { kind: "ok", value: { left: true }, events };
    });
  }

  async addMembers(
    channelId: string,
    userIds: readonly string[],
    actorId: string,
    now: number,
  ): Promise<WriteResult<MemberRecord[]>> {
    return this.shared.write((): WriteResult<MemberRecord[]> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (channel.kind === "direct") return { kind: "direct" };
      if (!this.shared.memberRow(channelId, actorId)) return { kind: "not_member" };
      if (channel.archivedAt !== null) return { kind: "archived" };
      const already = new Set(
        this.stmts.existingMembers
          .all(channelId, JSON.stringify(userIds))
          .map((row) => row.user_id),
      );
      const adding = [...new Set(userIds)].filter((id) => !already.has(id));
      if (adding.length === 0) return { kind: "ok", value: [], events: [] };
      const full = this.atLimit(adding);
      if (full) return { kind: "membership_limit", userId: full };
      const events = this.addPeople(
        channelId,
        adding.map((userId) => ({ userId, role: "member", change: "added" })),
        actorId,
        now,
      );
      const added = adding.map((id) => this.shared.member(channelId, id)).filter(isDefined);
      const invited = adding.filter((id) => id !== actorId);
      if (invited.length > 0) {
        this.shared.owe(
          { kind: "invite", channelId, offset: lastOffset(events), actorId, recipients: invited },
          now,
        );
      }
      return { kind: "ok", value: added, events };
    });
  }

  async removeMember(
    channelId: string,
    userId: string,
    actorId: string,
    now: number,
  ): Promise<WriteResult<{ readonly removed: boolean }>> {
    return this.shared.write((): WriteResult<{ readonly removed: boolean }> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (channel.kind === "direct") return { kind: "direct" };
      const member = this.shared.member(channelId, userId);
      if (!member) return { kind: "ok", value: { removed: false }, events: [] };
      if (member.role === "owner" && channel.memberCount > 1 && this.ownerCount(channelId) <= 1) {
        // As LeaveChannel and SetMemberRole: never an ownerless channel with members in it.
        return { kind: "last_owner" };
      }
      const events = this.removePerson(channelId, userId, "removed", actorId, now);
      return { kind: "ok", value: { removed: true }, events };
    });
  }

  async setMemberRole(
    channelId: string,
    userId: string,
    role: MemberRoleName,
    actorId: string,
    now: number,
  ): Promise<WriteResult<MemberRecord>> {
    return this.shared.write((): WriteResult<MemberRecord> => {
      const channel = this.shared.channel(channelId);
      if (!channel) return { kind: "not_found" };
      if (channel.kind === "direct") return { kind: "direct" };
      const member = this.shared.member(channelId, userId);
      if (!member) return { kind: "not_member" };
      if (member.role === role) return { kind: "ok", value: member, events: [] };
      if (member.role === "owner" && this.ownerCount(channelId) <= 1) {
        return { kind: "last_owner" };
      }
      this.stmts.setRole.run(role, channelId, userId);
      const after = this.shared.channel(channelId) ?? channel;
      const event = this.shared.append(
        channelId,
        {
          case: "membershipChanged",
          userId,
          change: "role_changed",
          role,
          actorId,
          channel: after,
        },
        now,
      );
      return { kind: "ok", value: { ...member, role }, events: [event] };
    });
  }

  // ---- Helpers (inside write transactions) ----

  private ownerCount(channelId: string): number {
    return this.stmts.countOwners.get(channelId)?.n ?? 0;
  }

  /** The first of `userIds` already at the membership limit, if any. */
  private atLimit(userIds: readonly string[]): string | undefined {
    const counts = this.stmts.membershipCounts.all(JSON.stringify(userIds));
    return counts.find((row) => row.n >= this.maxMemberships)?.user_id;
  }

  /**
   * Inserts members, then appends one membership_changed event each; every event carries the
   * channel as it is after all of them (absolute state), and each membership remembers the
   * offset of its own event.
   */
  private addPeople(
    channelId: string,
    people: readonly {
      userId: string;
      role: MemberRoleName;
      change: Extract<MembershipChangeName, "joined" | "added">;
    }[],
    actorId: string,
    now: number,
  ): StoredEvent[] {
    const before = this.shared.channel(channelId);
    if (!before) throw new Error(`channel ${channelId} vanished inside its transaction`);
    people.forEach((person, i) => {
      this.stmts.insertMember.run(
        channelId,
        person.userId,
        person.role,
        now,
        before.lastOffset + 1 + i,
      );
    });
    this.stmts.recount.run(channelId);
    const after = this.shared.channel(channelId) ?? before;
    return people.map((person) =>
      this.shared.append(
        channelId,
        {
          case: "membershipChanged",
          userId: person.userId,
          change: person.change,
          role: person.role,
          actorId,
          channel: after,
        },
        now,
      ),
    );
  }

  /** Deletes a membership; archives a private channel its last member left. */
  private removePerson(
    channelId: string,
    userId: string,
    change: "left" | "removed",
    actorId: string,
    now: number,
  ): StoredEvent[] {
    this.stmts.deleteMember.run(channelId, userId);
    this.stmts.recount.run(channelId);
    const after = this.shared.channel(channelId);
    if (!after) throw new Error(`channel ${channelId} vanished inside its transaction`);
    const events = [
      this.shared.append(
        channelId,
        { case: "membershipChanged", userId, change, role: null, actorId, channel: after },
        now,
      ),
    ];
    if (after.kind === "private" && after.memberCount === 0 && after.archivedAt === null) {
      this.stmts.setArchived.run(now, now, channelId);
      const archived = this.channelUpdated(channelId, actorId, now);
      if (archived.kind === "ok") events.push(...archived.events);
    }
    return events;
  }

  private channelUpdated(
    channelId: string,
    actorId: string,
    now: number,
  ): WriteResult<ChannelRecord> {
    const channel = this.shared.channel(channelId);
    if (!channel) return { kind: "not_found" };
    const event = this.shared.append(channelId, { case: "channelUpdated", channel, actorId }, now);
    return { kind: "ok", value: { ...channel, lastOffset: event.offset }, events: [event] };
  }

  private joinedRecord(channelId: string, userId: string): JoinedChannelRecord {
    const channel = this.shared.channel(channelId);
    const row = this.shared.memberRow(channelId, userId);
    if (!channel || !row) throw new Error(`membership ${channelId}/${userId} vanished`);
    return { channel, member: toMember(row), readState: this.shared.readState(row) };
  }

  private joinedFromRow(row: ChannelRow & MemberRow): JoinedChannelRecord {
    return {
      channel: toChannel(row),
      member: toMember(row),
      readState: this.shared.readState(row),
    };
  }
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** The offset of the last of a write's events (they are in offset order). */
function lastOffset(events: readonly StoredEvent[]): number {
  return events[events.length - 1]?.offset ?? 0;
}
