from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
NOTIFICATION_KIND_DIRECT_MESSAGE: NotificationKind
NOTIFICATION_KIND_INVITE: NotificationKind
NOTIFICATION_KIND_MENTION: NotificationKind
NOTIFICATION_KIND_REPLY: NotificationKind
NOTIFICATION_KIND_SYSTEM: NotificationKind
NOTIFICATION_KIND_UNSPECIFIED: NotificationKind

class Notification(_message.Message):
    __slots__ = ["actor_user_id", "body", "channel_id", "created_at", "id", "kind", "link", "message_id", "read_at", "thread_root_id", "title"]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    actor_user_id: str
    body: str
    channel_id: str
    created_at: _timestamp_pb2.Timestamp
    id: str
    kind: NotificationKind
    link: str
    message_id: str
    read_at: _timestamp_pb2.Timestamp
    thread_root_id: str
    title: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[NotificationKind, str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., channel_id: _Optional[str] = ..., message_id: _Optional[str] = ..., thread_root_id: _Optional[str] = ..., actor_user_id: _Optional[str] = ..., link: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., read_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NotificationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
