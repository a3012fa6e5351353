from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
PLAYBACK_STATUS_IDLE: PlaybackStatus
PLAYBACK_STATUS_PAUSED: PlaybackStatus
PLAYBACK_STATUS_PLAYING: PlaybackStatus
PLAYBACK_STATUS_UNSPECIFIED: PlaybackStatus

class PlaybackState(_message.Message):
    __slots__ = ["media_url", "playback_rate", "position", "room_id", "status", "title", "updated_at", "updated_by_user_id", "version"]
    MEDIA_URL_FIELD_NUMBER: _ClassVar[int]
    PLAYBACK_RATE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    media_url: str
    playback_rate: float
    position: _duration_pb2.Duration
    room_id: str
    status: PlaybackStatus
    title: str
    updated_at: _timestamp_pb2.Timestamp
    updated_by_user_id: str
    version: int
    def __init__(self, room_id: _Optional[str] = ..., status: _Optional[_Union[PlaybackStatus, str]] = ..., media_url: _Optional[str] = ..., title: _Optional[str] = ..., position: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., playback_rate: _Optional[float] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by_user_id: _Optional[str] = ...) -> None: ...

class PlaybackStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
