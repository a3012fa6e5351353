from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Message(_message.Message):
    __slots__ = ["author_user_id", "channel_id", "created_at", "deleted_at", "edited_at", "id", "idempotency_key", "last_reply_at", "mentioned_user_ids", "reactions", "reply_count", "seq", "text", "thread_root_id"]
    AUTHOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    EDITED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LAST_REPLY_AT_FIELD_NUMBER: _ClassVar[int]
    MENTIONED_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    REACTIONS_FIELD_NUMBER: _ClassVar[int]
    REPLY_COUNT_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    author_user_id: str
    channel_id: str
    created_at: _timestamp_pb2.Timestamp
    deleted_at: _timestamp_pb2.Timestamp
    edited_at: _timestamp_pb2.Timestamp
    id: str
    idempotency_key: str
    last_reply_at: _timestamp_pb2.Timestamp
    mentioned_user_ids: _containers.RepeatedScalarFieldContainer[str]
    reactions: _containers.RepeatedCompositeFieldContainer[Reaction]
    reply_count: int
    seq: int
    text: str
    thread_root_id: str
    def __init__(self, id: _Optional[str] = ..., channel_id: _Optional[str] = ..., seq: _Optional[int] = ..., author_user_id: _Optional[str] = ..., text: _Optional[str] = ..., thread_root_id: _Optional[str] = ..., mentioned_user_ids: _Optional[_Iterable[str]] = ..., reactions: _Optional[_Iterable[_Union[Reaction, _Mapping]]] = ..., reply_count: _Optional[int] = ..., last_reply_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., edited_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., deleted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Reaction(_message.Message):
    __slots__ = ["count", "emoji", "reacted_by_me"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    REACTED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    count: int
    emoji: str
    reacted_by_me: bool
    def __init__(self, emoji: _Optional[str] = ..., count: _Optional[int] = ..., reacted_by_me: bool = ...) -> None: ...

class ThreadState(_message.Message):
    __slots__ = ["last_reply_at", "reply_count", "root_id", "root_seq"]
    LAST_REPLY_AT_FIELD_NUMBER: _ClassVar[int]
    REPLY_COUNT_FIELD_NUMBER: _ClassVar[int]
    ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    ROOT_SEQ_FIELD_NUMBER: _ClassVar[int]
    last_reply_at: _timestamp_pb2.Timestamp
    reply_count: int
    root_id: str
    root_seq: int
    def __init__(self, root_id: _Optional[str] = ..., root_seq: _Optional[int] = ..., reply_count: _Optional[int] = ..., last_reply_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
