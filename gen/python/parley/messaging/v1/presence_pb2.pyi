from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
PRESENCE_STATUS_AWAY: PresenceStatus
PRESENCE_STATUS_OFFLINE: PresenceStatus
PRESENCE_STATUS_ONLINE: PresenceStatus
PRESENCE_STATUS_UNSPECIFIED: PresenceStatus

class Presence(_message.Message):
    __slots__ = ["last_seen_at", "status", "user_id"]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    last_seen_at: _timestamp_pb2.Timestamp
    status: PresenceStatus
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., status: _Optional[_Union[PresenceStatus, str]] = ..., last_seen_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PresenceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
