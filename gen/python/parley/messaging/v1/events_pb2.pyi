from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.messaging.v1 import channel_pb2 as _channel_pb2
from parley.messaging.v1 import message_pb2 as _message_pb2
from parley.messaging.v1 import presence_pb2 as _presence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
MEMBERSHIP_CHANGE_ADDED: MembershipChange
MEMBERSHIP_CHANGE_JOINED: MembershipChange
MEMBERSHIP_CHANGE_LEFT: MembershipChange
MEMBERSHIP_CHANGE_REMOVED: MembershipChange
MEMBERSHIP_CHANGE_ROLE_CHANGED: MembershipChange
MEMBERSHIP_CHANGE_UNSPECIFIED: MembershipChange
RECOVERY_STATUS_NEW: RecoveryStatus
RECOVERY_STATUS_RECOVERED: RecoveryStatus
RECOVERY_STATUS_RESET: RecoveryStatus
RECOVERY_STATUS_UNSPECIFIED: RecoveryStatus
RESET_REASON_DELIVERY_GAP: ResetReason
RESET_REASON_EPOCH_CHANGED: ResetReason
RESET_REASON_POSITION_AHEAD: ResetReason
RESET_REASON_TOO_FAR_BEHIND: ResetReason
RESET_REASON_UNSPECIFIED: ResetReason

class ChannelDeleted(_message.Message):
    __slots__ = ["actor_user_id"]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    actor_user_id: str
    def __init__(self, actor_user_id: _Optional[str] = ...) -> None: ...

class ChannelReset(_message.Message):
    __slots__ = ["epoch", "offset", "reason"]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    epoch: str
    offset: int
    reason: ResetReason
    def __init__(self, epoch: _Optional[str] = ..., offset: _Optional[int] = ..., reason: _Optional[_Union[ResetReason, str]] = ...) -> None: ...

class ChannelUpdated(_message.Message):
    __slots__ = ["actor_user_id", "channel"]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    actor_user_id: str
    channel: _channel_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_channel_pb2.Channel, _Mapping]] = ..., actor_user_id: _Optional[str] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ["server_time"]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, server_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MembershipChanged(_message.Message):
    __slots__ = ["actor_user_id", "change", "channel", "role", "user_id"]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    actor_user_id: str
    change: MembershipChange
    channel: _channel_pb2.Channel
    role: _channel_pb2.MemberRole
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., change: _Optional[_Union[MembershipChange, str]] = ..., role: _Optional[_Union[_channel_pb2.MemberRole, str]] = ..., actor_user_id: _Optional[str] = ..., channel: _Optional[_Union[_channel_pb2.Channel, _Mapping]] = ...) -> None: ...

class MessageCreated(_message.Message):
    __slots__ = ["message", "thread"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    thread: _message_pb2.ThreadState
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., thread: _Optional[_Union[_message_pb2.ThreadState, _Mapping]] = ...) -> None: ...

class MessageDeleted(_message.Message):
    __slots__ = ["author_user_id", "deleted_at", "deleted_by_user_id", "message_id", "seq", "thread", "thread_root_id"]
    AUTHOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    author_user_id: str
    deleted_at: _timestamp_pb2.Timestamp
    deleted_by_user_id: str
    message_id: str
    seq: int
    thread: _message_pb2.ThreadState
    thread_root_id: str
    def __init__(self, message_id: _Optional[str] = ..., seq: _Optional[int] = ..., thread_root_id: _Optional[str] = ..., author_user_id: _Optional[str] = ..., deleted_by_user_id: _Optional[str] = ..., deleted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., thread: _Optional[_Union[_message_pb2.ThreadState, _Mapping]] = ...) -> None: ...

class MessageEdited(_message.Message):
    __slots__ = ["edited_at", "mentioned_user_ids", "message_id", "seq", "text", "thread_root_id"]
    EDITED_AT_FIELD_NUMBER: _ClassVar[int]
    MENTIONED_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    edited_at: _timestamp_pb2.Timestamp
    mentioned_user_ids: _containers.RepeatedScalarFieldContainer[str]
    message_id: str
    seq: int
    text: str
    thread_root_id: str
    def __init__(self, message_id: _Optional[str] = ..., seq: _Optional[int] = ..., thread_root_id: _Optional[str] = ..., text: _Optional[str] = ..., mentioned_user_ids: _Optional[_Iterable[str]] = ..., edited_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MessagingEvent(_message.Message):
    __slots__ = ["channel_deleted", "channel_id", "channel_reset", "channel_updated", "epoch", "heartbeat", "membership_changed", "message_created", "message_deleted", "message_edited", "offset", "presence_changed", "reaction_changed", "read_state_changed", "subscribed", "time", "typing"]
    CHANNEL_DELETED_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_RESET_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_UPDATED_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_CHANGED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_CREATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_DELETED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EDITED_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    REACTION_CHANGED_FIELD_NUMBER: _ClassVar[int]
    READ_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    channel_deleted: ChannelDeleted
    channel_id: str
    channel_reset: ChannelReset
    channel_updated: ChannelUpdated
    epoch: str
    heartbeat: Heartbeat
    membership_changed: MembershipChanged
    message_created: MessageCreated
    message_deleted: MessageDeleted
    message_edited: MessageEdited
    offset: int
    presence_changed: PresenceChanged
    reaction_changed: ReactionChanged
    read_state_changed: ReadStateChanged
    subscribed: Subscribed
    time: _timestamp_pb2.Timestamp
    typing: Typing
    def __init__(self, channel_id: _Optional[str] = ..., epoch: _Optional[str] = ..., offset: _Optional[int] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., subscribed: _Optional[_Union[Subscribed, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., channel_reset: _Optional[_Union[ChannelReset, _Mapping]] = ..., message_created: _Optional[_Union[MessageCreated, _Mapping]] = ..., message_edited: _Optional[_Union[MessageEdited, _Mapping]] = ..., message_deleted: _Optional[_Union[MessageDeleted, _Mapping]] = ..., reaction_changed: _Optional[_Union[ReactionChanged, _Mapping]] = ..., membership_changed: _Optional[_Union[MembershipChanged, _Mapping]] = ..., channel_updated: _Optional[_Union[ChannelUpdated, _Mapping]] = ..., channel_deleted: _Optional[_Union[ChannelDeleted, _Mapping]] = ..., typing: _Optional[_Union[Typing, _Mapping]] = ..., presence_changed: _Optional[_Union[PresenceChanged, _Mapping]] = ..., read_state_changed: _Optional[_Union[ReadStateChanged, _Mapping]] = ...) -> None: ...

class PresenceChanged(_message.Message):
    __slots__ = ["presence"]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    presence: _presence_pb2.Presence
    def __init__(self, presence: _Optional[_Union[_presence_pb2.Presence, _Mapping]] = ...) -> None: ...

class ReactionChanged(_message.Message):
    __slots__ = ["added", "count", "emoji", "message_id", "seq", "user_id"]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    added: bool
    count: int
    emoji: str
    message_id: str
    seq: int
    user_id: str
    def __init__(self, message_id: _Optional[str] = ..., seq: _Optional[int] = ..., emoji: _Optional[str] = ..., user_id: _Optional[str] = ..., added: bool = ..., count: _Optional[int] = ...) -> None: ...

class ReadStateChanged(_message.Message):
    __slots__ = ["read_state"]
    READ_STATE_FIELD_NUMBER: _ClassVar[int]
    read_state: _channel_pb2.ReadState
    def __init__(self, read_state: _Optional[_Union[_channel_pb2.ReadState, _Mapping]] = ...) -> None: ...

class StreamPosition(_message.Message):
    __slots__ = ["channel_id", "epoch", "offset"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    epoch: str
    offset: int
    def __init__(self, channel_id: _Optional[str] = ..., epoch: _Optional[str] = ..., offset: _Optional[int] = ...) -> None: ...

class Subscribed(_message.Message):
    __slots__ = ["channels", "expires_at", "gone_channel_ids", "heartbeat_interval"]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    GONE_CHANNEL_IDS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[SubscribedChannel]
    expires_at: _timestamp_pb2.Timestamp
    gone_channel_ids: _containers.RepeatedScalarFieldContainer[str]
    heartbeat_interval: _duration_pb2.Duration
    def __init__(self, channels: _Optional[_Iterable[_Union[SubscribedChannel, _Mapping]]] = ..., gone_channel_ids: _Optional[_Iterable[str]] = ..., heartbeat_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscribedChannel(_message.Message):
    __slots__ = ["channel_id", "epoch", "offset", "read_state", "recovery", "reset_reason"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    READ_STATE_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_FIELD_NUMBER: _ClassVar[int]
    RESET_REASON_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    epoch: str
    offset: int
    read_state: _channel_pb2.ReadState
    recovery: RecoveryStatus
    reset_reason: ResetReason
    def __init__(self, channel_id: _Optional[str] = ..., epoch: _Optional[str] = ..., offset: _Optional[int] = ..., recovery: _Optional[_Union[RecoveryStatus, str]] = ..., reset_reason: _Optional[_Union[ResetReason, str]] = ..., read_state: _Optional[_Union[_channel_pb2.ReadState, _Mapping]] = ...) -> None: ...

class Typing(_message.Message):
    __slots__ = ["expires_at", "thread_root_id", "typing", "user_id"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    thread_root_id: str
    typing: bool
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., thread_root_id: _Optional[str] = ..., typing: bool = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecoveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ResetReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class MembershipChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
