"""A Python program chatting through the Parley local mesh with the stubs in gen/python.

Usage: chat_client.py <auth host:port> <messaging A host:port> <messaging B host:port>
                      <ca.pem> <cert.pem> <key.pem> <username>

Plain gRPC with mTLS (grpcio from Debian's python3-grpcio), presenting the certificate it is
given: the test hands it the `edge` identity, the one the mesh policy lets forward people's
public and signed-in calls, which is what a client reaching the services directly must be.
It registers and signs in with auth, creates a channel on messaging instance B, follows its
live stream on instance A, sends a message through B and waits for it to arrive on A (across
processes, through Redis), then sends it again with the same idempotency key. Prints one JSON
object with what it saw, for the test to check.
"""

import json
import sys
import uuid

import grpc

from parley.auth.v1 import auth_service_pb2 as auth
from parley.auth.v1 import auth_service_pb2_grpc as auth_grpc
from parley.messaging.v1 import channel_pb2 as channel
from parley.messaging.v1 import messaging_service_pb2 as messaging
from parley.messaging.v1 import messaging_service_pb2_grpc as messaging_grpc


def main() -> None:
    auth_target, a_target, b_target, ca_path, cert_path, key_path, username = sys.argv[1:8]
    with open(ca_path, "rb") as ca, open(cert_path, "rb") as cert, open(key_path, "rb") as key:
        credentials = grpc.ssl_channel_credentials(ca.read(), key.read(), cert.read())

    with grpc.secure_channel(auth_target, credentials) as auth_channel:
        auth_stub = auth_grpc.AuthServiceStub(auth_channel)
        password = "correct horse battery staple"
        auth_stub.Register(
            auth.RegisterRequest(username=username, email=f"{username}@example.com", password=password),
            timeout=30,
        )
        login = auth_stub.Login(auth.LoginRequest(login=username, password=password), timeout=30)
    signed_in = [("authorization", f"Bearer {login.session.access_token}")]

    with grpc.secure_channel(a_target, credentials) as a, grpc.secure_channel(
        b_target, credentials
    ) as b:
        on_a = messaging_grpc.MessagingServiceStub(a)
        on_b = messaging_grpc.MessagingServiceStub(b)
        created = on_b.CreateChannel(
            messaging.CreateChannelRequest(kind=channel.CHANNEL_KIND_PUBLIC, name=f"py-{username}"),
            metadata=signed_in,
            timeout=10,
        )
        channel_id = created.channel.channel.id

        stream = on_a.Subscribe(messaging.SubscribeRequest(), metadata=signed_in, timeout=60)
        first = next(stream).event
        subscribed_channels = [c.channel_id for c in first.subscribed.channels]

        key = str(uuid.uuid4())
        sent = on_b.SendMessage(
            messaging.SendMessageRequest(channel_id=channel_id, text="hello from Python", idempotency_key=key),
            metadata=signed_in,
            timeout=10,
        )
        received = None
        for response in stream:
            event = response.event
            if event.WhichOneof("payload") == "message_created":
                received = event
                break
        stream.cancel()

        again = on_b.SendMessage(
            messaging.SendMessageRequest(channel_id=channel_id, text="hello from Python", idempotency_key=key),
            metadata=signed_in,
            timeout=10,
        )
        try:
            on_a.ListChannels(messaging.ListChannelsRequest(), timeout=10)
            unsigned = "OK"
        except grpc.RpcError as err:
            unsigned = err.code().name

    print(
        json.dumps(
            {
                "user_id": login.session.user.id,
                "channel_id": channel_id,
                "first_event": first.WhichOneof("payload"),
                "subscribed_channels": subscribed_channels,
                "sent_message_id": sent.message.id,
                "received_message_id": received.message_created.message.id if received else None,
                "received_text": received.message_created.message.text if received else None,
                "received_author": received.message_created.message.author_user_id if received else None,
                "received_offset": received.offset if received else None,
                "resent_message_id": again.message.id,
                "without_token": unsigned,
            }
        )
    )


if __name__ == "__main__":
    main()
