from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from parley.voice.v1 import event_pb2 as _event_pb2
from parley.voice.v1 import playback_pb2 as _playback_pb2
from parley.voice.v1 import room_pb2 as _room_pb2
from parley.voice.v1 import signal_pb2 as _signal_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddIceCandidateRequest(_message.Message):
    __slots__ = ["candidate", "participant_id"]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    candidate: _signal_pb2.IceCandidate
    participant_id: str
    def __init__(self, participant_id: _Optional[str] = ..., candidate: _Optional[_Union[_signal_pb2.IceCandidate, _Mapping]] = ...) -> None: ...

class AddIceCandidateResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class CloseRoomRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class CloseRoomResponse(_message.Message):
    __slots__ = ["room"]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: _room_pb2.Room
    def __init__(self, room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ...) -> None: ...

class CreateRoomRequest(_message.Message):
    __slots__ = ["channel_id", "max_participants", "name"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    max_participants: int
    name: str
    def __init__(self, name: _Optional[str] = ..., channel_id: _Optional[str] = ..., max_participants: _Optional[int] = ...) -> None: ...

class CreateRoomResponse(_message.Message):
    __slots__ = ["room"]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: _room_pb2.Room
    def __init__(self, room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ...) -> None: ...

class GetPlaybackRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class GetPlaybackResponse(_message.Message):
    __slots__ = ["playback"]
    PLAYBACK_FIELD_NUMBER: _ClassVar[int]
    playback: _playback_pb2.PlaybackState
    def __init__(self, playback: _Optional[_Union[_playback_pb2.PlaybackState, _Mapping]] = ...) -> None: ...

class GetRoomRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class GetRoomResponse(_message.Message):
    __slots__ = ["room"]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: _room_pb2.Room
    def __init__(self, room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ...) -> None: ...

class JoinRoomRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class JoinRoomResponse(_message.Message):
    __slots__ = ["ice_servers", "ice_transport_policy", "participant", "room", "session_timeout"]
    ICE_SERVERS_FIELD_NUMBER: _ClassVar[int]
    ICE_TRANSPORT_POLICY_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    SESSION_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ice_servers: _containers.RepeatedCompositeFieldContainer[_signal_pb2.IceServer]
    ice_transport_policy: _signal_pb2.IceTransportPolicy
    participant: _room_pb2.Participant
    room: _room_pb2.Room
    session_timeout: _duration_pb2.Duration
    def __init__(self, participant: _Optional[_Union[_room_pb2.Participant, _Mapping]] = ..., room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ..., ice_servers: _Optional[_Iterable[_Union[_signal_pb2.IceServer, _Mapping]]] = ..., ice_transport_policy: _Optional[_Union[_signal_pb2.IceTransportPolicy, str]] = ..., session_timeout: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class LeaveRoomRequest(_message.Message):
    __slots__ = ["participant_id"]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    def __init__(self, participant_id: _Optional[str] = ...) -> None: ...

class LeaveRoomResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListParticipantsRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class ListParticipantsResponse(_message.Message):
    __slots__ = ["participants"]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    participants: _containers.RepeatedCompositeFieldContainer[_room_pb2.Participant]
    def __init__(self, participants: _Optional[_Iterable[_Union[_room_pb2.Participant, _Mapping]]] = ...) -> None: ...

class ListRoomsRequest(_message.Message):
    __slots__ = ["channel_id", "include_closed", "page_size", "page_token"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    include_closed: bool
    page_size: int
    page_token: str
    def __init__(self, channel_id: _Optional[str] = ..., include_closed: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRoomsResponse(_message.Message):
    __slots__ = ["next_page_token", "rooms"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    rooms: _containers.RepeatedCompositeFieldContainer[_room_pb2.Room]
    def __init__(self, rooms: _Optional[_Iterable[_Union[_room_pb2.Room, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PublishTrackRequest(_message.Message):
    __slots__ = ["kind", "mid", "muted", "participant_id", "source"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MID_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    kind: _room_pb2.TrackKind
    mid: str
    muted: bool
    participant_id: str
    source: _room_pb2.TrackSource
    def __init__(self, participant_id: _Optional[str] = ..., mid: _Optional[str] = ..., kind: _Optional[_Union[_room_pb2.TrackKind, str]] = ..., source: _Optional[_Union[_room_pb2.TrackSource, str]] = ..., muted: bool = ...) -> None: ...

class PublishTrackResponse(_message.Message):
    __slots__ = ["track"]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    track: _room_pb2.Track
    def __init__(self, track: _Optional[_Union[_room_pb2.Track, _Mapping]] = ...) -> None: ...

class SendAnswerRequest(_message.Message):
    __slots__ = ["negotiation_id", "participant_id", "sdp"]
    NEGOTIATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    SDP_FIELD_NUMBER: _ClassVar[int]
    negotiation_id: int
    participant_id: str
    sdp: str
    def __init__(self, participant_id: _Optional[str] = ..., negotiation_id: _Optional[int] = ..., sdp: _Optional[str] = ...) -> None: ...

class SendAnswerResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SendOfferRequest(_message.Message):
    __slots__ = ["participant_id", "sdp"]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    SDP_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    sdp: str
    def __init__(self, participant_id: _Optional[str] = ..., sdp: _Optional[str] = ...) -> None: ...

class SendOfferResponse(_message.Message):
    __slots__ = ["negotiation_id"]
    NEGOTIATION_ID_FIELD_NUMBER: _ClassVar[int]
    negotiation_id: int
    def __init__(self, negotiation_id: _Optional[int] = ...) -> None: ...

class SetMutedRequest(_message.Message):
    __slots__ = ["muted", "participant_id", "track_id"]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    muted: bool
    participant_id: str
    track_id: str
    def __init__(self, participant_id: _Optional[str] = ..., track_id: _Optional[str] = ..., muted: bool = ...) -> None: ...

class SetMutedResponse(_message.Message):
    __slots__ = ["track"]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    track: _room_pb2.Track
    def __init__(self, track: _Optional[_Union[_room_pb2.Track, _Mapping]] = ...) -> None: ...

class SetPlaybackRequest(_message.Message):
    __slots__ = ["expected_version", "load", "pause", "play", "room_id", "seek", "set_rate", "stop"]
    class Load(_message.Message):
        __slots__ = ["autoplay", "media_url", "start_at", "title"]
        AUTOPLAY_FIELD_NUMBER: _ClassVar[int]
        MEDIA_URL_FIELD_NUMBER: _ClassVar[int]
        START_AT_FIELD_NUMBER: _ClassVar[int]
        TITLE_FIELD_NUMBER: _ClassVar[int]
        autoplay: bool
        media_url: str
        start_at: _duration_pb2.Duration
        title: str
        def __init__(self, media_url: _Optional[str] = ..., title: _Optional[str] = ..., start_at: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., autoplay: bool = ...) -> None: ...
    class Pause(_message.Message):
        __slots__ = ["position"]
        POSITION_FIELD_NUMBER: _ClassVar[int]
        position: _duration_pb2.Duration
        def __init__(self, position: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...
    class Play(_message.Message):
        __slots__ = ["position"]
        POSITION_FIELD_NUMBER: _ClassVar[int]
        position: _duration_pb2.Duration
        def __init__(self, position: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...
    class Seek(_message.Message):
        __slots__ = ["position"]
        POSITION_FIELD_NUMBER: _ClassVar[int]
        position: _duration_pb2.Duration
        def __init__(self, position: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...
    class SetRate(_message.Message):
        __slots__ = ["playback_rate"]
        PLAYBACK_RATE_FIELD_NUMBER: _ClassVar[int]
        playback_rate: float
        def __init__(self, playback_rate: _Optional[float] = ...) -> None: ...
    class Stop(_message.Message):
        __slots__ = []
        def __init__(self) -> None: ...
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    PAUSE_FIELD_NUMBER: _ClassVar[int]
    PLAY_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SEEK_FIELD_NUMBER: _ClassVar[int]
    SET_RATE_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    expected_version: int
    load: SetPlaybackRequest.Load
    pause: SetPlaybackRequest.Pause
    play: SetPlaybackRequest.Play
    room_id: str
    seek: SetPlaybackRequest.Seek
    set_rate: SetPlaybackRequest.SetRate
    stop: SetPlaybackRequest.Stop
    def __init__(self, room_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., load: _Optional[_Union[SetPlaybackRequest.Load, _Mapping]] = ..., play: _Optional[_Union[SetPlaybackRequest.Play, _Mapping]] = ..., pause: _Optional[_Union[SetPlaybackRequest.Pause, _Mapping]] = ..., seek: _Optional[_Union[SetPlaybackRequest.Seek, _Mapping]] = ..., set_rate: _Optional[_Union[SetPlaybackRequest.SetRate, _Mapping]] = ..., stop: _Optional[_Union[SetPlaybackRequest.Stop, _Mapping]] = ...) -> None: ...

class SetPlaybackResponse(_message.Message):
    __slots__ = ["playback"]
    PLAYBACK_FIELD_NUMBER: _ClassVar[int]
    playback: _playback_pb2.PlaybackState
    def __init__(self, playback: _Optional[_Union[_playback_pb2.PlaybackState, _Mapping]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ["participant_id"]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    def __init__(self, participant_id: _Optional[str] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ["active_speakers_changed", "answer", "heartbeat", "ice_candidate", "ice_servers_changed", "offer", "participant_joined", "participant_left", "playback_changed", "session_ended", "snapshot", "track_mute_changed", "track_published", "track_unpublished"]
    ACTIVE_SPEAKERS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    ICE_CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    ICE_SERVERS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    OFFER_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_JOINED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_LEFT_FIELD_NUMBER: _ClassVar[int]
    PLAYBACK_CHANGED_FIELD_NUMBER: _ClassVar[int]
    SESSION_ENDED_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    TRACK_MUTE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TRACK_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    TRACK_UNPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    active_speakers_changed: _event_pb2.ActiveSpeakersChanged
    answer: _event_pb2.SfuAnswer
    heartbeat: _event_pb2.Heartbeat
    ice_candidate: _signal_pb2.IceCandidate
    ice_servers_changed: _event_pb2.IceServersChanged
    offer: _event_pb2.SfuOffer
    participant_joined: _event_pb2.ParticipantJoined
    participant_left: _event_pb2.ParticipantLeft
    playback_changed: _event_pb2.PlaybackChanged
    session_ended: _event_pb2.SessionEnded
    snapshot: _event_pb2.RoomSnapshot
    track_mute_changed: _event_pb2.TrackMuteChanged
    track_published: _event_pb2.TrackPublished
    track_unpublished: _event_pb2.TrackUnpublished
    def __init__(self, snapshot: _Optional[_Union[_event_pb2.RoomSnapshot, _Mapping]] = ..., offer: _Optional[_Union[_event_pb2.SfuOffer, _Mapping]] = ..., answer: _Optional[_Union[_event_pb2.SfuAnswer, _Mapping]] = ..., ice_candidate: _Optional[_Union[_signal_pb2.IceCandidate, _Mapping]] = ..., participant_joined: _Optional[_Union[_event_pb2.ParticipantJoined, _Mapping]] = ..., participant_left: _Optional[_Union[_event_pb2.ParticipantLeft, _Mapping]] = ..., track_published: _Optional[_Union[_event_pb2.TrackPublished, _Mapping]] = ..., track_unpublished: _Optional[_Union[_event_pb2.TrackUnpublished, _Mapping]] = ..., track_mute_changed: _Optional[_Union[_event_pb2.TrackMuteChanged, _Mapping]] = ..., active_speakers_changed: _Optional[_Union[_event_pb2.ActiveSpeakersChanged, _Mapping]] = ..., playback_changed: _Optional[_Union[_event_pb2.PlaybackChanged, _Mapping]] = ..., ice_servers_changed: _Optional[_Union[_event_pb2.IceServersChanged, _Mapping]] = ..., heartbeat: _Optional[_Union[_event_pb2.Heartbeat, _Mapping]] = ..., session_ended: _Optional[_Union[_event_pb2.SessionEnded, _Mapping]] = ...) -> None: ...

class UnpublishTrackRequest(_message.Message):
    __slots__ = ["participant_id", "track_id"]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    track_id: str
    def __init__(self, participant_id: _Optional[str] = ..., track_id: _Optional[str] = ...) -> None: ...

class UnpublishTrackResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...
