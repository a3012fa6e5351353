from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.notifications.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChannelMute(_message.Message):
    __slots__ = ["channel_id", "until"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    until: _timestamp_pb2.Timestamp
    def __init__(self, channel_id: _Optional[str] = ..., until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class KindPreference(_message.Message):
    __slots__ = ["enabled", "kind", "push"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PUSH_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    kind: _notification_pb2.NotificationKind
    push: bool
    def __init__(self, kind: _Optional[_Union[_notification_pb2.NotificationKind, str]] = ..., enabled: bool = ..., push: bool = ...) -> None: ...

class Mute(_message.Message):
    __slots__ = ["until"]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    until: _timestamp_pb2.Timestamp
    def __init__(self, until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ["channel_mutes", "kinds", "mute_all", "updated_at"]
    CHANNEL_MUTES_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MUTE_ALL_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    channel_mutes: _containers.RepeatedCompositeFieldContainer[ChannelMute]
    kinds: _containers.RepeatedCompositeFieldContainer[KindPreference]
    mute_all: Mute
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, mute_all: _Optional[_Union[Mute, _Mapping]] = ..., kinds: _Optional[_Iterable[_Union[KindPreference, _Mapping]]] = ..., channel_mutes: _Optional[_Iterable[_Union[ChannelMute, _Mapping]]] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
