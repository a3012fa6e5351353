from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.notifications.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Heartbeat(_message.Message):
    __slots__ = ["server_time"]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, server_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NotificationCreated(_message.Message):
    __slots__ = ["notification"]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ...) -> None: ...

class NotificationEvent(_message.Message):
    __slots__ = ["heartbeat", "notification_created", "notifications_read", "subscribed", "time", "unread_count"]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_READ_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_CREATED_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    heartbeat: Heartbeat
    notification_created: NotificationCreated
    notifications_read: NotificationsRead
    subscribed: Subscribed
    time: _timestamp_pb2.Timestamp
    unread_count: int
    def __init__(self, unread_count: _Optional[int] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., subscribed: _Optional[_Union[Subscribed, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., notification_created: _Optional[_Union[NotificationCreated, _Mapping]] = ..., notifications_read: _Optional[_Union[NotificationsRead, _Mapping]] = ...) -> None: ...

class NotificationsRead(_message.Message):
    __slots__ = ["all", "channel_id", "notification_ids", "read_at", "up_to"]
    ALL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    UP_TO_FIELD_NUMBER: _ClassVar[int]
    all: bool
    channel_id: str
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    read_at: _timestamp_pb2.Timestamp
    up_to: _timestamp_pb2.Timestamp
    def __init__(self, notification_ids: _Optional[_Iterable[str]] = ..., up_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., all: bool = ..., channel_id: _Optional[str] = ..., read_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Subscribed(_message.Message):
    __slots__ = ["expires_at", "heartbeat_interval"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    heartbeat_interval: _duration_pb2.Duration
    def __init__(self, heartbeat_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
