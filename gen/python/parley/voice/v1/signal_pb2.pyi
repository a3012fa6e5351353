from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
ICE_TRANSPORT_POLICY_ALL: IceTransportPolicy
ICE_TRANSPORT_POLICY_RELAY: IceTransportPolicy
ICE_TRANSPORT_POLICY_UNSPECIFIED: IceTransportPolicy

class IceCandidate(_message.Message):
    __slots__ = ["candidate", "sdp_m_line_index", "sdp_mid", "username_fragment"]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    SDP_MID_FIELD_NUMBER: _ClassVar[int]
    SDP_M_LINE_INDEX_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FRAGMENT_FIELD_NUMBER: _ClassVar[int]
    candidate: str
    sdp_m_line_index: int
    sdp_mid: str
    username_fragment: str
    def __init__(self, candidate: _Optional[str] = ..., sdp_mid: _Optional[str] = ..., sdp_m_line_index: _Optional[int] = ..., username_fragment: _Optional[str] = ...) -> None: ...

class IceServer(_message.Message):
    __slots__ = ["credential", "expires_at", "urls", "username"]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    URLS_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    credential: str
    expires_at: _timestamp_pb2.Timestamp
    urls: _containers.RepeatedScalarFieldContainer[str]
    username: str
    def __init__(self, urls: _Optional[_Iterable[str]] = ..., username: _Optional[str] = ..., credential: _Optional[str] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TrackMapping(_message.Message):
    __slots__ = ["mid", "participant_id", "track_id"]
    MID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    mid: str
    participant_id: str
    track_id: str
    def __init__(self, mid: _Optional[str] = ..., track_id: _Optional[str] = ..., participant_id: _Optional[str] = ...) -> None: ...

class IceTransportPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
