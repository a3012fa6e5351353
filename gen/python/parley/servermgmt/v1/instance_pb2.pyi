from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.servermgmt.v1 import config_pb2 as _config_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
SERVING_STATUS_DRAINING: ServingStatus
SERVING_STATUS_NOT_SERVING: ServingStatus
SERVING_STATUS_SERVING: ServingStatus
SERVING_STATUS_UNKNOWN: ServingStatus
SERVING_STATUS_UNSPECIFIED: ServingStatus

class DrainOrder(_message.Message):
    __slots__ = ["deadline", "reason", "requested_at", "requested_by_user_id"]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    deadline: _timestamp_pb2.Timestamp
    reason: str
    requested_at: _timestamp_pb2.Timestamp
    requested_by_user_id: str
    def __init__(self, requested_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., deadline: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., requested_by_user_id: _Optional[str] = ...) -> None: ...

class Instance(_message.Message):
    __slots__ = ["address", "config_rejections", "drain", "grpc_services", "id", "identity", "last_heartbeat_at", "load", "metadata", "registered_at", "service_name", "status", "version", "zone"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    DRAIN_FIELD_NUMBER: _ClassVar[int]
    GRPC_SERVICES_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_AT_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    address: str
    config_rejections: _containers.RepeatedCompositeFieldContainer[_config_pb2.ConfigRejection]
    drain: DrainOrder
    grpc_services: _containers.RepeatedScalarFieldContainer[str]
    id: str
    identity: str
    last_heartbeat_at: _timestamp_pb2.Timestamp
    load: InstanceLoad
    metadata: _containers.ScalarMap[str, str]
    registered_at: _timestamp_pb2.Timestamp
    service_name: str
    status: ServingStatus
    version: str
    zone: str
    def __init__(self, id: _Optional[str] = ..., service_name: _Optional[str] = ..., address: _Optional[str] = ..., version: _Optional[str] = ..., zone: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., grpc_services: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[ServingStatus, str]] = ..., load: _Optional[_Union[InstanceLoad, _Mapping]] = ..., registered_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_heartbeat_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., drain: _Optional[_Union[DrainOrder, _Mapping]] = ..., config_rejections: _Optional[_Iterable[_Union[_config_pb2.ConfigRejection, _Mapping]]] = ..., identity: _Optional[str] = ...) -> None: ...

class InstanceLoad(_message.Message):
    __slots__ = ["cpu_utilization", "gauges", "in_flight_requests", "memory_rss_bytes", "open_streams"]
    class GaugesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CPU_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    GAUGES_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_RSS_BYTES_FIELD_NUMBER: _ClassVar[int]
    OPEN_STREAMS_FIELD_NUMBER: _ClassVar[int]
    cpu_utilization: float
    gauges: _containers.ScalarMap[str, float]
    in_flight_requests: int
    memory_rss_bytes: int
    open_streams: int
    def __init__(self, cpu_utilization: _Optional[float] = ..., memory_rss_bytes: _Optional[int] = ..., in_flight_requests: _Optional[int] = ..., open_streams: _Optional[int] = ..., gauges: _Optional[_Mapping[str, float]] = ...) -> None: ...

class ServiceHealth(_message.Message):
    __slots__ = ["instances", "last_heartbeat_at", "service_name", "status"]
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_AT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[Instance]
    last_heartbeat_at: _timestamp_pb2.Timestamp
    service_name: str
    status: ServingStatus
    def __init__(self, service_name: _Optional[str] = ..., status: _Optional[_Union[ServingStatus, str]] = ..., instances: _Optional[_Iterable[_Union[Instance, _Mapping]]] = ..., last_heartbeat_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ServingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
