from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
FILE_PURPOSE_ATTACHMENT: FilePurpose
FILE_PURPOSE_AVATAR: FilePurpose
FILE_PURPOSE_UNSPECIFIED: FilePurpose
FILE_STATUS_AVAILABLE: FileStatus
FILE_STATUS_DELETED: FileStatus
FILE_STATUS_PENDING: FileStatus
FILE_STATUS_UNSPECIFIED: FileStatus

class FileInfo(_message.Message):
    __slots__ = ["channel_id", "content_type", "created_at", "deleted_at", "id", "name", "owner_user_id", "purpose", "sha256", "size_bytes", "status"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    content_type: str
    created_at: _timestamp_pb2.Timestamp
    deleted_at: _timestamp_pb2.Timestamp
    id: str
    name: str
    owner_user_id: str
    purpose: FilePurpose
    sha256: str
    size_bytes: int
    status: FileStatus
    def __init__(self, id: _Optional[str] = ..., owner_user_id: _Optional[str] = ..., name: _Optional[str] = ..., content_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., channel_id: _Optional[str] = ..., purpose: _Optional[_Union[FilePurpose, str]] = ..., status: _Optional[_Union[FileStatus, str]] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., deleted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FilePurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class FileStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
