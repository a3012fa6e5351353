"""A Python program joining the Parley mesh through the stubs buf generates into gen/python.

Usage: auth_client.py <host:port> <ca.pem> <cert.pem> <key.pem> <username>

Speaks plain gRPC with mTLS (grpcio from Debian's python3-grpcio), registers an account, signs
in, reads it back with the access token, and sends one request that breaks the contract's
validation rules. Prints one JSON object with what it saw, for the test to check.
"""

import json
import sys

import grpc

from parley.auth.v1 import auth_service_pb2 as auth
from parley.auth.v1 import auth_service_pb2_grpc as auth_grpc


def main() -> None:
    target, ca_path, cert_path, key_path, username = sys.argv[1:6]
    with open(ca_path, "rb") as ca, open(cert_path, "rb") as cert, open(key_path, "rb") as key:
        credentials = grpc.ssl_channel_credentials(ca.read(), key.read(), cert.read())
    with grpc.secure_channel(target, credentials) as channel:
        stub = auth_grpc.AuthServiceStub(channel)
        password = "correct horse battery staple"
        registered = stub.Register(
            auth.RegisterRequest(
                username=username, email=f"{username}@example.com", password=password
            ),
            timeout=10,
        )
        login = stub.Login(auth.LoginRequest(login=username, password=password), timeout=10)
        token = login.session.access_token
        me = stub.GetMe(
            auth.GetMeRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=10
        )
        try:
            stub.Register(auth.RegisterRequest(username="x", email="nope", password="1"), timeout=10)
            invalid = "OK"
        except grpc.RpcError as err:
            invalid = err.code().name
        print(
            json.dumps(
                {
                    "registered_user_id": registered.session.user.id,
                    "me_user_id": me.user.id,
                    "me_username": me.user.username,
                    "invalid_request_status": invalid,
                }
            )
        )


if __name__ == "__main__":
    main()
