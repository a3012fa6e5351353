import type { DescMethod } from "@bufbuild/protobuf";
import { MessagingService } from "@parley/gen/parley/messaging/v1/messaging_service_pb.js";
import { type Admission, toConnectError } from "@parley/mesh";
import * as errors from "./errors.js";

/**
 * Back-pressure on SendMessage: the calls one instance has in hand, and the limit past which it
 * refuses more with `resource_exhausted` and `retry-after` (the client retries with the same
 * idempotency key, stored once) rather than queueing seconds of work the fan-out could not
 * deliver in time.
 */
export class SendsInHand {
  readonly #limit: number;
  #count = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  #full(): boolean {
    return this.#count >= this.#limit;
  }

  /** Runs one send as a call in hand, or refuses it when the instance is full. */
  async run<T>(send: () => Promise<T>): Promise<T> {
    if (this.#full()) throw errors.sendsOverloaded();
    this.#count++;
    try {
      return await send();
    } finally {
      this.#count--;
    }
  }

  /**
   * For serve(): while full, SendMessage is refused before its body is read or any interceptor
   * runs (a refusal then costs a fraction of a call; `run` stays the backstop for what got in).
   */
  admission(): Admission {
    return (method: DescMethod) =>
      this.#full() && isSendMessage(method) ? toConnectError(errors.sendsOverloaded()) : undefined;
  }
}

function isSendMessage(method: DescMethod): boolean {
  return method.name === "SendMessage" && method.parent.typeName === MessagingService.typeName;
}
