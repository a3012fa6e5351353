from buf.validate import validate_pb2 as _validate_pb2
from parley.messaging.v1 import channel_pb2 as _channel_pb2
from parley.messaging.v1 import events_pb2 as _events_pb2
from parley.messaging.v1 import message_pb2 as _message_pb2
from parley.messaging.v1 import presence_pb2 as _presence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddMembersRequest(_message.Message):
    __slots__ = ["channel_id", "user_ids"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, channel_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AddMembersResponse(_message.Message):
    __slots__ = ["added"]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    added: _containers.RepeatedCompositeFieldContainer[_channel_pb2.ChannelMember]
    def __init__(self, added: _Optional[_Iterable[_Union[_channel_pb2.ChannelMember, _Mapping]]] = ...) -> None: ...

class AddReactionRequest(_message.Message):
    __slots__ = ["channel_id", "emoji", "message_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    emoji: str
    message_id: str
    def __init__(self, channel_id: _Optional[str] = ..., message_id: _Optional[str] = ..., emoji: _Optional[str] = ...) -> None: ...

class AddReactionResponse(_message.Message):
    __slots__ = ["reactions"]
    REACTIONS_FIELD_NUMBER: _ClassVar[int]
    reactions: _containers.RepeatedCompositeFieldContainer[_message_pb2.Reaction]
    def __init__(self, reactions: _Optional[_Iterable[_Union[_message_pb2.Reaction, _Mapping]]] = ...) -> None: ...

class ArchiveChannelRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class ArchiveChannelResponse(_message.Message):
    __slots__ = ["channel"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _channel_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_channel_pb2.Channel, _Mapping]] = ...) -> None: ...

class CreateChannelRequest(_message.Message):
    __slots__ = ["kind", "member_user_ids", "name", "topic"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MEMBER_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    kind: _channel_pb2.ChannelKind
    member_user_ids: _containers.RepeatedScalarFieldContainer[str]
    name: str
    topic: str
    def __init__(self, kind: _Optional[_Union[_channel_pb2.ChannelKind, str]] = ..., name: _Optional[str] = ..., topic: _Optional[str] = ..., member_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateChannelResponse(_message.Message):
    __slots__ = ["channel"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _channel_pb2.JoinedChannel
    def __init__(self, channel: _Optional[_Union[_channel_pb2.JoinedChannel, _Mapping]] = ...) -> None: ...

class DeleteChannelRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class DeleteChannelResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteMessageRequest(_message.Message):
    __slots__ = ["channel_id", "message_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    message_id: str
    def __init__(self, channel_id: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class DeleteMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class EditMessageRequest(_message.Message):
    __slots__ = ["channel_id", "message_id", "text"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    message_id: str
    text: str
    def __init__(self, channel_id: _Optional[str] = ..., message_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class EditMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class GetChannelRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class GetChannelResponse(_message.Message):
    __slots__ = ["channel", "membership"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_FIELD_NUMBER: _ClassVar[int]
    channel: _channel_pb2.Channel
    membership: _channel_pb2.JoinedChannel
    def __init__(self, channel: _Optional[_Union[_channel_pb2.Channel, _Mapping]] = ..., membership: _Optional[_Union[_channel_pb2.JoinedChannel, _Mapping]] = ...) -> None: ...

class GetMessageRequest(_message.Message):
    __slots__ = ["channel_id", "message_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    message_id: str
    def __init__(self, channel_id: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class GetMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class GetPresenceRequest(_message.Message):
    __slots__ = ["user_ids"]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPresenceResponse(_message.Message):
    __slots__ = ["presences"]
    PRESENCES_FIELD_NUMBER: _ClassVar[int]
    presences: _containers.RepeatedCompositeFieldContainer[_presence_pb2.Presence]
    def __init__(self, presences: _Optional[_Iterable[_Union[_presence_pb2.Presence, _Mapping]]] = ...) -> None: ...

class JoinChannelRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class JoinChannelResponse(_message.Message):
    __slots__ = ["channel"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _channel_pb2.JoinedChannel
    def __init__(self, channel: _Optional[_Union[_channel_pb2.JoinedChannel, _Mapping]] = ...) -> None: ...

class LeaveChannelRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class LeaveChannelResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListChannelsRequest(_message.Message):
    __slots__ = ["include_archived", "kinds", "page_size", "page_token"]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    include_archived: bool
    kinds: _containers.RepeatedScalarFieldContainer[_channel_pb2.ChannelKind]
    page_size: int
    page_token: str
    def __init__(self, kinds: _Optional[_Iterable[_Union[_channel_pb2.ChannelKind, str]]] = ..., include_archived: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChannelsResponse(_message.Message):
    __slots__ = ["channels", "next_page_token"]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[_channel_pb2.JoinedChannel]
    next_page_token: str
    def __init__(self, channels: _Optional[_Iterable[_Union[_channel_pb2.JoinedChannel, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ["channel_id", "page_size", "page_token"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    page_size: int
    page_token: str
    def __init__(self, channel_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMembersResponse(_message.Message):
    __slots__ = ["members", "next_page_token"]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[_channel_pb2.ChannelMember]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[_channel_pb2.ChannelMember, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ["after_seq", "around_message_id", "around_seq", "before_seq", "channel_id", "limit", "thread_root_id"]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    AROUND_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    AROUND_SEQ_FIELD_NUMBER: _ClassVar[int]
    BEFORE_SEQ_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    after_seq: int
    around_message_id: str
    around_seq: int
    before_seq: int
    channel_id: str
    limit: int
    thread_root_id: str
    def __init__(self, channel_id: _Optional[str] = ..., thread_root_id: _Optional[str] = ..., before_seq: _Optional[int] = ..., after_seq: _Optional[int] = ..., around_seq: _Optional[int] = ..., around_message_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ["has_more_after", "has_more_before", "messages", "thread_root"]
    HAS_MORE_AFTER_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_FIELD_NUMBER: _ClassVar[int]
    has_more_after: bool
    has_more_before: bool
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    thread_root: _message_pb2.Message
    def __init__(self, messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., has_more_before: bool = ..., has_more_after: bool = ..., thread_root: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class ListPublicChannelsRequest(_message.Message):
    __slots__ = ["include_archived", "page_size", "page_token", "query"]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    include_archived: bool
    page_size: int
    page_token: str
    query: str
    def __init__(self, query: _Optional[str] = ..., include_archived: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPublicChannelsResponse(_message.Message):
    __slots__ = ["channels", "next_page_token"]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[_channel_pb2.PublicChannel]
    next_page_token: str
    def __init__(self, channels: _Optional[_Iterable[_Union[_channel_pb2.PublicChannel, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ["channel_id", "seq"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    seq: int
    def __init__(self, channel_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ["read_state"]
    READ_STATE_FIELD_NUMBER: _ClassVar[int]
    read_state: _channel_pb2.ReadState
    def __init__(self, read_state: _Optional[_Union[_channel_pb2.ReadState, _Mapping]] = ...) -> None: ...

class OpenDirectChannelRequest(_message.Message):
    __slots__ = ["user_ids"]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class OpenDirectChannelResponse(_message.Message):
    __slots__ = ["channel", "created"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    channel: _channel_pb2.JoinedChannel
    created: bool
    def __init__(self, channel: _Optional[_Union[_channel_pb2.JoinedChannel, _Mapping]] = ..., created: bool = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ["channel_id", "user_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    user_id: str
    def __init__(self, channel_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RemoveReactionRequest(_message.Message):
    __slots__ = ["channel_id", "emoji", "message_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    emoji: str
    message_id: str
    def __init__(self, channel_id: _Optional[str] = ..., message_id: _Optional[str] = ..., emoji: _Optional[str] = ...) -> None: ...

class RemoveReactionResponse(_message.Message):
    __slots__ = ["reactions"]
    REACTIONS_FIELD_NUMBER: _ClassVar[int]
    reactions: _containers.RepeatedCompositeFieldContainer[_message_pb2.Reaction]
    def __init__(self, reactions: _Optional[_Iterable[_Union[_message_pb2.Reaction, _Mapping]]] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ["channel_id", "idempotency_key", "text", "thread_root_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    idempotency_key: str
    text: str
    thread_root_id: str
    def __init__(self, channel_id: _Optional[str] = ..., text: _Optional[str] = ..., thread_root_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class SendTypingRequest(_message.Message):
    __slots__ = ["channel_id", "stopped", "thread_root_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    stopped: bool
    thread_root_id: str
    def __init__(self, channel_id: _Optional[str] = ..., thread_root_id: _Optional[str] = ..., stopped: bool = ...) -> None: ...

class SendTypingResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SetMemberRoleRequest(_message.Message):
    __slots__ = ["channel_id", "role", "user_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    role: _channel_pb2.MemberRole
    user_id: str
    def __init__(self, channel_id: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[_Union[_channel_pb2.MemberRole, str]] = ...) -> None: ...

class SetMemberRoleResponse(_message.Message):
    __slots__ = ["member"]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: _channel_pb2.ChannelMember
    def __init__(self, member: _Optional[_Union[_channel_pb2.ChannelMember, _Mapping]] = ...) -> None: ...

class SetPresenceRequest(_message.Message):
    __slots__ = ["status"]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: _presence_pb2.PresenceStatus
    def __init__(self, status: _Optional[_Union[_presence_pb2.PresenceStatus, str]] = ...) -> None: ...

class SetPresenceResponse(_message.Message):
    __slots__ = ["presence"]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    presence: _presence_pb2.Presence
    def __init__(self, presence: _Optional[_Union[_presence_pb2.Presence, _Mapping]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ["positions"]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    positions: _containers.RepeatedCompositeFieldContainer[_events_pb2.StreamPosition]
    def __init__(self, positions: _Optional[_Iterable[_Union[_events_pb2.StreamPosition, _Mapping]]] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.MessagingEvent
    def __init__(self, event: _Optional[_Union[_events_pb2.MessagingEvent, _Mapping]] = ...) -> None: ...

class UnarchiveChannelRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class UnarchiveChannelResponse(_message.Message):
    __slots__ = ["channel"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _channel_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_channel_pb2.Channel, _Mapping]] = ...) -> None: ...

class UpdateChannelRequest(_message.Message):
    __slots__ = ["channel_id", "name", "topic"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    name: str
    topic: str
    def __init__(self, channel_id: _Optional[str] = ..., name: _Optional[str] = ..., topic: _Optional[str] = ...) -> None: ...

class UpdateChannelResponse(_message.Message):
    __slots__ = ["channel"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: _channel_pb2.Channel
    def __init__(self, channel: _Optional[_Union[_channel_pb2.Channel, _Mapping]] = ...) -> None: ...
