from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.notifications.v1 import events_pb2 as _events_pb2
from parley.notifications.v1 import notification_pb2 as _notification_pb2
from parley.notifications.v1 import preferences_pb2 as _preferences_pb2
from parley.notifications.v1 import push_pb2 as _push_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
NOTIFY_OUTCOME_CREATED: NotifyOutcome
NOTIFY_OUTCOME_DUPLICATE: NotifyOutcome
NOTIFY_OUTCOME_SELF: NotifyOutcome
NOTIFY_OUTCOME_SUPPRESSED: NotifyOutcome
NOTIFY_OUTCOME_UNSPECIFIED: NotifyOutcome

class GetPreferencesRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetPreferencesResponse(_message.Message):
    __slots__ = ["preferences"]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: _preferences_pb2.Preferences
    def __init__(self, preferences: _Optional[_Union[_preferences_pb2.Preferences, _Mapping]] = ...) -> None: ...

class GetUnreadCountRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetUnreadCountResponse(_message.Message):
    __slots__ = ["unread_count"]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    def __init__(self, unread_count: _Optional[int] = ...) -> None: ...

class GetVapidPublicKeyRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetVapidPublicKeyResponse(_message.Message):
    __slots__ = ["public_key"]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    def __init__(self, public_key: _Optional[str] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ["kinds", "page_size", "page_token", "unread_only"]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[_notification_pb2.NotificationKind]
    page_size: int
    page_token: str
    unread_only: bool
    def __init__(self, unread_only: bool = ..., kinds: _Optional[_Iterable[_Union[_notification_pb2.NotificationKind, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ["next_page_token", "notifications"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    notifications: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Notification]
    def __init__(self, notifications: _Optional[_Iterable[_Union[_notification_pb2.Notification, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListPushSubscriptionsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListPushSubscriptionsResponse(_message.Message):
    __slots__ = ["subscriptions"]
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[_push_pb2.PushSubscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[_push_pb2.PushSubscription, _Mapping]]] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ["all", "channel_id", "ids", "up_to"]
    ALL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    UP_TO_FIELD_NUMBER: _ClassVar[int]
    all: bool
    channel_id: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    up_to: _timestamp_pb2.Timestamp
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., up_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., all: bool = ..., channel_id: _Optional[str] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ["marked_count", "unread_count"]
    MARKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    marked_count: int
    unread_count: int
    def __init__(self, marked_count: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class NotifyRequest(_message.Message):
    __slots__ = ["actor_user_id", "body", "channel_id", "idempotency_key", "kind", "link", "message_id", "recipient_user_ids", "thread_root_id", "title"]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    actor_user_id: str
    body: str
    channel_id: str
    idempotency_key: str
    kind: _notification_pb2.NotificationKind
    link: str
    message_id: str
    recipient_user_ids: _containers.RepeatedScalarFieldContainer[str]
    thread_root_id: str
    title: str
    def __init__(self, idempotency_key: _Optional[str] = ..., recipient_user_ids: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[_notification_pb2.NotificationKind, str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., channel_id: _Optional[str] = ..., message_id: _Optional[str] = ..., thread_root_id: _Optional[str] = ..., actor_user_id: _Optional[str] = ..., link: _Optional[str] = ...) -> None: ...

class NotifyResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[NotifyResult]
    def __init__(self, results: _Optional[_Iterable[_Union[NotifyResult, _Mapping]]] = ...) -> None: ...

class NotifyResult(_message.Message):
    __slots__ = ["notification_id", "outcome", "user_id"]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    outcome: NotifyOutcome
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., outcome: _Optional[_Union[NotifyOutcome, str]] = ..., notification_id: _Optional[str] = ...) -> None: ...

class RegisterPushSubscriptionRequest(_message.Message):
    __slots__ = ["auth", "endpoint", "expires_at", "p256dh", "user_agent"]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    P256DH_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    auth: str
    endpoint: str
    expires_at: _timestamp_pb2.Timestamp
    p256dh: str
    user_agent: str
    def __init__(self, endpoint: _Optional[str] = ..., p256dh: _Optional[str] = ..., auth: _Optional[str] = ..., user_agent: _Optional[str] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterPushSubscriptionResponse(_message.Message):
    __slots__ = ["subscription"]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: _push_pb2.PushSubscription
    def __init__(self, subscription: _Optional[_Union[_push_pb2.PushSubscription, _Mapping]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.NotificationEvent
    def __init__(self, event: _Optional[_Union[_events_pb2.NotificationEvent, _Mapping]] = ...) -> None: ...

class UnregisterPushSubscriptionRequest(_message.Message):
    __slots__ = ["endpoint", "id"]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    endpoint: str
    id: str
    def __init__(self, id: _Optional[str] = ..., endpoint: _Optional[str] = ...) -> None: ...

class UnregisterPushSubscriptionResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UpdatePreferencesRequest(_message.Message):
    __slots__ = ["kinds", "mute_all", "mute_channels", "unmute_all", "unmute_channel_ids"]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MUTE_ALL_FIELD_NUMBER: _ClassVar[int]
    MUTE_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    UNMUTE_ALL_FIELD_NUMBER: _ClassVar[int]
    UNMUTE_CHANNEL_IDS_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedCompositeFieldContainer[_preferences_pb2.KindPreference]
    mute_all: _preferences_pb2.Mute
    mute_channels: _containers.RepeatedCompositeFieldContainer[_preferences_pb2.ChannelMute]
    unmute_all: bool
    unmute_channel_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, mute_all: _Optional[_Union[_preferences_pb2.Mute, _Mapping]] = ..., unmute_all: bool = ..., kinds: _Optional[_Iterable[_Union[_preferences_pb2.KindPreference, _Mapping]]] = ..., mute_channels: _Optional[_Iterable[_Union[_preferences_pb2.ChannelMute, _Mapping]]] = ..., unmute_channel_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdatePreferencesResponse(_message.Message):
    __slots__ = ["preferences"]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: _preferences_pb2.Preferences
    def __init__(self, preferences: _Optional[_Union[_preferences_pb2.Preferences, _Mapping]] = ...) -> None: ...

class NotifyOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
