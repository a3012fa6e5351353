from buf.validate import validate_pb2 as _validate_pb2
from parley.files.v1 import file_pb2 as _file_pb2
from parley.files.v1 import transfer_pb2 as _transfer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CompleteUploadRequest(_message.Message):
    __slots__ = ["file_id", "sha256"]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    sha256: str
    def __init__(self, file_id: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...

class CompleteUploadResponse(_message.Message):
    __slots__ = ["file"]
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: _file_pb2.FileInfo
    def __init__(self, file: _Optional[_Union[_file_pb2.FileInfo, _Mapping]] = ...) -> None: ...

class CreateUploadRequest(_message.Message):
    __slots__ = ["channel_id", "content_type", "name", "purpose", "size_bytes"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    content_type: str
    name: str
    purpose: _file_pb2.FilePurpose
    size_bytes: int
    def __init__(self, name: _Optional[str] = ..., content_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., channel_id: _Optional[str] = ..., purpose: _Optional[_Union[_file_pb2.FilePurpose, str]] = ...) -> None: ...

class CreateUploadResponse(_message.Message):
    __slots__ = ["file", "upload"]
    FILE_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_FIELD_NUMBER: _ClassVar[int]
    file: _file_pb2.FileInfo
    upload: _transfer_pb2.UploadTarget
    def __init__(self, file: _Optional[_Union[_file_pb2.FileInfo, _Mapping]] = ..., upload: _Optional[_Union[_transfer_pb2.UploadTarget, _Mapping]] = ...) -> None: ...

class DeleteFileRequest(_message.Message):
    __slots__ = ["file_id"]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class DeleteFileResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetDownloadUrlRequest(_message.Message):
    __slots__ = ["file_id", "inline"]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    INLINE_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    inline: bool
    def __init__(self, file_id: _Optional[str] = ..., inline: bool = ...) -> None: ...

class GetDownloadUrlResponse(_message.Message):
    __slots__ = ["download"]
    DOWNLOAD_FIELD_NUMBER: _ClassVar[int]
    download: _transfer_pb2.DownloadTarget
    def __init__(self, download: _Optional[_Union[_transfer_pb2.DownloadTarget, _Mapping]] = ...) -> None: ...

class GetFileRequest(_message.Message):
    __slots__ = ["file_id"]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class GetFileResponse(_message.Message):
    __slots__ = ["file"]
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: _file_pb2.FileInfo
    def __init__(self, file: _Optional[_Union[_file_pb2.FileInfo, _Mapping]] = ...) -> None: ...

class ListFilesRequest(_message.Message):
    __slots__ = ["channel_id", "page_size", "page_token"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    page_size: int
    page_token: str
    def __init__(self, channel_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFilesResponse(_message.Message):
    __slots__ = ["files", "next_page_token"]
    FILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_file_pb2.FileInfo]
    next_page_token: str
    def __init__(self, files: _Optional[_Iterable[_Union[_file_pb2.FileInfo, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
