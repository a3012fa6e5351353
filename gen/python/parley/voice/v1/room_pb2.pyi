from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
LEAVE_REASON_ACCESS_REVOKED: LeaveReason
LEAVE_REASON_LEFT: LeaveReason
LEAVE_REASON_ROOM_CLOSED: LeaveReason
LEAVE_REASON_TIMED_OUT: LeaveReason
LEAVE_REASON_UNSPECIFIED: LeaveReason
ROOM_STATUS_CLOSED: RoomStatus
ROOM_STATUS_OPEN: RoomStatus
ROOM_STATUS_UNSPECIFIED: RoomStatus
TRACK_KIND_AUDIO: TrackKind
TRACK_KIND_UNSPECIFIED: TrackKind
TRACK_KIND_VIDEO: TrackKind
TRACK_SOURCE_CAMERA: TrackSource
TRACK_SOURCE_MICROPHONE: TrackSource
TRACK_SOURCE_SCREEN: TrackSource
TRACK_SOURCE_SCREEN_AUDIO: TrackSource
TRACK_SOURCE_UNSPECIFIED: TrackSource

class Participant(_message.Message):
    __slots__ = ["id", "joined_at", "room_id", "tracks", "user_id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    joined_at: _timestamp_pb2.Timestamp
    room_id: str
    tracks: _containers.RepeatedCompositeFieldContainer[Track]
    user_id: str
    def __init__(self, id: _Optional[str] = ..., room_id: _Optional[str] = ..., user_id: _Optional[str] = ..., joined_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tracks: _Optional[_Iterable[_Union[Track, _Mapping]]] = ...) -> None: ...

class Room(_message.Message):
    __slots__ = ["channel_id", "closed_at", "created_at", "created_by_user_id", "id", "max_participants", "name", "participant_count", "status"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MAX_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    closed_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    created_by_user_id: str
    id: str
    max_participants: int
    name: str
    participant_count: int
    status: RoomStatus
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., channel_id: _Optional[str] = ..., created_by_user_id: _Optional[str] = ..., status: _Optional[_Union[RoomStatus, str]] = ..., max_participants: _Optional[int] = ..., participant_count: _Optional[int] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Track(_message.Message):
    __slots__ = ["id", "kind", "mid", "muted", "participant_id", "published_at", "source"]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MID_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: TrackKind
    mid: str
    muted: bool
    participant_id: str
    published_at: _timestamp_pb2.Timestamp
    source: TrackSource
    def __init__(self, id: _Optional[str] = ..., participant_id: _Optional[str] = ..., mid: _Optional[str] = ..., kind: _Optional[_Union[TrackKind, str]] = ..., source: _Optional[_Union[TrackSource, str]] = ..., muted: bool = ..., published_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RoomStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class TrackKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class TrackSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LeaveReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
