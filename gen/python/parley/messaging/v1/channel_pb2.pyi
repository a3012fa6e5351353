from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CHANNEL_KIND_DIRECT: ChannelKind
CHANNEL_KIND_PRIVATE: ChannelKind
CHANNEL_KIND_PUBLIC: ChannelKind
CHANNEL_KIND_UNSPECIFIED: ChannelKind
DESCRIPTOR: _descriptor.FileDescriptor
MEMBER_ROLE_MEMBER: MemberRole
MEMBER_ROLE_OWNER: MemberRole
MEMBER_ROLE_UNSPECIFIED: MemberRole

class Channel(_message.Message):
    __slots__ = ["archived_at", "created_at", "created_by_user_id", "id", "kind", "last_message_at", "last_message_seq", "member_count", "name", "participant_user_ids", "topic", "updated_at"]
    ARCHIVED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_SEQ_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    archived_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    created_by_user_id: str
    id: str
    kind: ChannelKind
    last_message_at: _timestamp_pb2.Timestamp
    last_message_seq: int
    member_count: int
    name: str
    participant_user_ids: _containers.RepeatedScalarFieldContainer[str]
    topic: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ChannelKind, str]] = ..., name: _Optional[str] = ..., topic: _Optional[str] = ..., created_by_user_id: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., archived_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., member_count: _Optional[int] = ..., participant_user_ids: _Optional[_Iterable[str]] = ..., last_message_seq: _Optional[int] = ..., last_message_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChannelMember(_message.Message):
    __slots__ = ["joined_at", "role", "user_id"]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    joined_at: _timestamp_pb2.Timestamp
    role: MemberRole
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[_Union[MemberRole, str]] = ..., joined_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class JoinedChannel(_message.Message):
    __slots__ = ["channel", "joined_at", "read_state", "role"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    READ_STATE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    joined_at: _timestamp_pb2.Timestamp
    read_state: ReadState
    role: MemberRole
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ..., role: _Optional[_Union[MemberRole, str]] = ..., joined_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., read_state: _Optional[_Union[ReadState, _Mapping]] = ...) -> None: ...

class PublicChannel(_message.Message):
    __slots__ = ["channel", "joined"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    JOINED_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    joined: bool
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ..., joined: bool = ...) -> None: ...

class ReadState(_message.Message):
    __slots__ = ["channel_id", "last_read_seq", "unread_count", "unread_mention_count", "updated_at"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNREAD_MENTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    last_read_seq: int
    unread_count: int
    unread_mention_count: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, channel_id: _Optional[str] = ..., last_read_seq: _Optional[int] = ..., unread_count: _Optional[int] = ..., unread_mention_count: _Optional[int] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChannelKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class MemberRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
