from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.voice.v1 import playback_pb2 as _playback_pb2
from parley.voice.v1 import room_pb2 as _room_pb2
from parley.voice.v1 import signal_pb2 as _signal_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActiveSpeaker(_message.Message):
    __slots__ = ["audio_level", "participant_id"]
    AUDIO_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    audio_level: float
    participant_id: str
    def __init__(self, participant_id: _Optional[str] = ..., audio_level: _Optional[float] = ...) -> None: ...

class ActiveSpeakersChanged(_message.Message):
    __slots__ = ["speakers"]
    SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    speakers: _containers.RepeatedCompositeFieldContainer[ActiveSpeaker]
    def __init__(self, speakers: _Optional[_Iterable[_Union[ActiveSpeaker, _Mapping]]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ["server_time"]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, server_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IceServersChanged(_message.Message):
    __slots__ = ["ice_servers"]
    ICE_SERVERS_FIELD_NUMBER: _ClassVar[int]
    ice_servers: _containers.RepeatedCompositeFieldContainer[_signal_pb2.IceServer]
    def __init__(self, ice_servers: _Optional[_Iterable[_Union[_signal_pb2.IceServer, _Mapping]]] = ...) -> None: ...

class ParticipantJoined(_message.Message):
    __slots__ = ["participant"]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    participant: _room_pb2.Participant
    def __init__(self, participant: _Optional[_Union[_room_pb2.Participant, _Mapping]] = ...) -> None: ...

class ParticipantLeft(_message.Message):
    __slots__ = ["participant_id", "reason", "user_id"]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    reason: _room_pb2.LeaveReason
    user_id: str
    def __init__(self, participant_id: _Optional[str] = ..., user_id: _Optional[str] = ..., reason: _Optional[_Union[_room_pb2.LeaveReason, str]] = ...) -> None: ...

class PlaybackChanged(_message.Message):
    __slots__ = ["playback"]
    PLAYBACK_FIELD_NUMBER: _ClassVar[int]
    playback: _playback_pb2.PlaybackState
    def __init__(self, playback: _Optional[_Union[_playback_pb2.PlaybackState, _Mapping]] = ...) -> None: ...

class RoomSnapshot(_message.Message):
    __slots__ = ["participant_id", "participants", "playback", "room"]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYBACK_FIELD_NUMBER: _ClassVar[int]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    participants: _containers.RepeatedCompositeFieldContainer[_room_pb2.Participant]
    playback: _playback_pb2.PlaybackState
    room: _room_pb2.Room
    def __init__(self, room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ..., participants: _Optional[_Iterable[_Union[_room_pb2.Participant, _Mapping]]] = ..., playback: _Optional[_Union[_playback_pb2.PlaybackState, _Mapping]] = ..., participant_id: _Optional[str] = ...) -> None: ...

class SessionEnded(_message.Message):
    __slots__ = ["reason"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: _room_pb2.LeaveReason
    def __init__(self, reason: _Optional[_Union[_room_pb2.LeaveReason, str]] = ...) -> None: ...

class SfuAnswer(_message.Message):
    __slots__ = ["negotiation_id", "sdp"]
    NEGOTIATION_ID_FIELD_NUMBER: _ClassVar[int]
    SDP_FIELD_NUMBER: _ClassVar[int]
    negotiation_id: int
    sdp: str
    def __init__(self, negotiation_id: _Optional[int] = ..., sdp: _Optional[str] = ...) -> None: ...

class SfuOffer(_message.Message):
    __slots__ = ["negotiation_id", "sdp", "tracks"]
    NEGOTIATION_ID_FIELD_NUMBER: _ClassVar[int]
    SDP_FIELD_NUMBER: _ClassVar[int]
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    negotiation_id: int
    sdp: str
    tracks: _containers.RepeatedCompositeFieldContainer[_signal_pb2.TrackMapping]
    def __init__(self, negotiation_id: _Optional[int] = ..., sdp: _Optional[str] = ..., tracks: _Optional[_Iterable[_Union[_signal_pb2.TrackMapping, _Mapping]]] = ...) -> None: ...

class TrackMuteChanged(_message.Message):
    __slots__ = ["muted", "participant_id", "track_id"]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    muted: bool
    participant_id: str
    track_id: str
    def __init__(self, track_id: _Optional[str] = ..., participant_id: _Optional[str] = ..., muted: bool = ...) -> None: ...

class TrackPublished(_message.Message):
    __slots__ = ["track"]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    track: _room_pb2.Track
    def __init__(self, track: _Optional[_Union[_room_pb2.Track, _Mapping]] = ...) -> None: ...

class TrackUnpublished(_message.Message):
    __slots__ = ["participant_id", "track_id"]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    track_id: str
    def __init__(self, track_id: _Optional[str] = ..., participant_id: _Optional[str] = ...) -> None: ...
