from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.servermgmt.v1 import audit_pb2 as _audit_pb2
from parley.servermgmt.v1 import config_pb2 as _config_pb2
from parley.servermgmt.v1 import instance_pb2 as _instance_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeregisterInstanceRequest(_message.Message):
    __slots__ = ["instance_id"]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    def __init__(self, instance_id: _Optional[str] = ...) -> None: ...

class DeregisterInstanceResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DrainInstanceRequest(_message.Message):
    __slots__ = ["grace_period", "instance_id", "reason"]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    grace_period: _duration_pb2.Duration
    instance_id: str
    reason: str
    def __init__(self, instance_id: _Optional[str] = ..., reason: _Optional[str] = ..., grace_period: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class DrainInstanceResponse(_message.Message):
    __slots__ = ["instance"]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: _instance_pb2.Instance
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ...) -> None: ...

class GetConfigRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class GetConfigResponse(_message.Message):
    __slots__ = ["document"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: _config_pb2.ConfigDocument
    def __init__(self, document: _Optional[_Union[_config_pb2.ConfigDocument, _Mapping]] = ...) -> None: ...

class GetHealthOverviewRequest(_message.Message):
    __slots__ = ["service_name"]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    service_name: str
    def __init__(self, service_name: _Optional[str] = ...) -> None: ...

class GetHealthOverviewResponse(_message.Message):
    __slots__ = ["generated_at", "services"]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    generated_at: _timestamp_pb2.Timestamp
    services: _containers.RepeatedCompositeFieldContainer[_instance_pb2.ServiceHealth]
    def __init__(self, services: _Optional[_Iterable[_Union[_instance_pb2.ServiceHealth, _Mapping]]] = ..., generated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ["config_rejections", "instance_id", "load", "status"]
    CONFIG_REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    config_rejections: _containers.RepeatedCompositeFieldContainer[_config_pb2.ConfigRejection]
    instance_id: str
    load: _instance_pb2.InstanceLoad
    status: _instance_pb2.ServingStatus
    def __init__(self, instance_id: _Optional[str] = ..., status: _Optional[_Union[_instance_pb2.ServingStatus, str]] = ..., load: _Optional[_Union[_instance_pb2.InstanceLoad, _Mapping]] = ..., config_rejections: _Optional[_Iterable[_Union[_config_pb2.ConfigRejection, _Mapping]]] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ["drain", "heartbeat_interval"]
    DRAIN_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    drain: _instance_pb2.DrainOrder
    heartbeat_interval: _duration_pb2.Duration
    def __init__(self, heartbeat_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., drain: _Optional[_Union[_instance_pb2.DrainOrder, _Mapping]] = ...) -> None: ...

class ListAuditEventsRequest(_message.Message):
    __slots__ = ["action_prefix", "actor_service", "actor_user_id", "end_time", "outcome", "page_size", "page_token", "resource", "start_time"]
    ACTION_PREFIX_FIELD_NUMBER: _ClassVar[int]
    ACTOR_SERVICE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    action_prefix: str
    actor_service: str
    actor_user_id: str
    end_time: _timestamp_pb2.Timestamp
    outcome: _audit_pb2.AuditOutcome
    page_size: int
    page_token: str
    resource: str
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, actor_user_id: _Optional[str] = ..., actor_service: _Optional[str] = ..., action_prefix: _Optional[str] = ..., resource: _Optional[str] = ..., outcome: _Optional[_Union[_audit_pb2.AuditOutcome, str]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAuditEventsResponse(_message.Message):
    __slots__ = ["events", "next_page_token"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_audit_pb2.AuditEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[_audit_pb2.AuditEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListConfigRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "prefix"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    prefix: str
    def __init__(self, prefix: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConfigResponse(_message.Message):
    __slots__ = ["documents", "next_page_token"]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[_config_pb2.ConfigDocument]
    next_page_token: str
    def __init__(self, documents: _Optional[_Iterable[_Union[_config_pb2.ConfigDocument, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListInstancesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "service_name", "statuses"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    service_name: str
    statuses: _containers.RepeatedScalarFieldContainer[_instance_pb2.ServingStatus]
    def __init__(self, service_name: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_instance_pb2.ServingStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListInstancesResponse(_message.Message):
    __slots__ = ["instances", "next_page_token"]
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[_instance_pb2.Instance]
    next_page_token: str
    def __init__(self, instances: _Optional[_Iterable[_Union[_instance_pb2.Instance, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordAuditEventRequest(_message.Message):
    __slots__ = ["action", "actor_user_id", "client_address", "details", "event_id", "occurred_at", "outcome", "resource", "trace_id"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor_user_id: str
    client_address: str
    details: _struct_pb2.Struct
    event_id: str
    occurred_at: _timestamp_pb2.Timestamp
    outcome: _audit_pb2.AuditOutcome
    resource: str
    trace_id: str
    def __init__(self, event_id: _Optional[str] = ..., occurred_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., actor_user_id: _Optional[str] = ..., action: _Optional[str] = ..., resource: _Optional[str] = ..., outcome: _Optional[_Union[_audit_pb2.AuditOutcome, str]] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., trace_id: _Optional[str] = ..., client_address: _Optional[str] = ...) -> None: ...

class RecordAuditEventResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _audit_pb2.AuditEvent
    def __init__(self, event: _Optional[_Union[_audit_pb2.AuditEvent, _Mapping]] = ...) -> None: ...

class RegisterInstanceRequest(_message.Message):
    __slots__ = ["address", "grpc_services", "instance_id", "metadata", "service_name", "version", "zone"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    GRPC_SERVICES_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    address: str
    grpc_services: _containers.RepeatedScalarFieldContainer[str]
    instance_id: str
    metadata: _containers.ScalarMap[str, str]
    service_name: str
    version: str
    zone: str
    def __init__(self, instance_id: _Optional[str] = ..., service_name: _Optional[str] = ..., address: _Optional[str] = ..., version: _Optional[str] = ..., zone: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., grpc_services: _Optional[_Iterable[str]] = ...) -> None: ...

class RegisterInstanceResponse(_message.Message):
    __slots__ = ["heartbeat_interval", "instance"]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    heartbeat_interval: _duration_pb2.Duration
    instance: _instance_pb2.Instance
    def __init__(self, instance: _Optional[_Union[_instance_pb2.Instance, _Mapping]] = ..., heartbeat_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SetConfigRequest(_message.Message):
    __slots__ = ["expected_version", "key", "reason", "value"]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    expected_version: int
    key: str
    reason: str
    value: _struct_pb2.Struct
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class SetConfigResponse(_message.Message):
    __slots__ = ["document"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: _config_pb2.ConfigDocument
    def __init__(self, document: _Optional[_Union[_config_pb2.ConfigDocument, _Mapping]] = ...) -> None: ...

class WatchConfigKeepAlive(_message.Message):
    __slots__ = ["server_time"]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, server_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchConfigRequest(_message.Message):
    __slots__ = ["keys", "prefix"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    prefix: str
    def __init__(self, keys: _Optional[_Iterable[str]] = ..., prefix: _Optional[str] = ...) -> None: ...

class WatchConfigResponse(_message.Message):
    __slots__ = ["document", "keep_alive", "snapshot_complete"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    KEEP_ALIVE_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    document: _config_pb2.ConfigDocument
    keep_alive: WatchConfigKeepAlive
    snapshot_complete: WatchConfigSnapshotComplete
    def __init__(self, document: _Optional[_Union[_config_pb2.ConfigDocument, _Mapping]] = ..., snapshot_complete: _Optional[_Union[WatchConfigSnapshotComplete, _Mapping]] = ..., keep_alive: _Optional[_Union[WatchConfigKeepAlive, _Mapping]] = ...) -> None: ...

class WatchConfigSnapshotComplete(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...
