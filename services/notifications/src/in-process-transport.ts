import {
  createRouterTransport,
  type Interceptor,
  type ServiceImpl,
  type Transport,
} from "@connectrpc/connect";
import { NotificationService } from "@parley/gen/parley/notifications/v1/notification_service_pb.js";
import { errorInterceptor, kPeerService, spiffeIdFor } from "@parley/mesh";

/**
 * A transport to the notifications service in this process, for the single-process mode: the
 * calls never leave memory, and each is made as the mesh service `caller` (e.g. `messaging`),
 * which is what Notify's idempotency keys are scoped to, exactly as over mTLS in the mesh. Only
 * composition roots hand this out, to services that the policy lets call Notify; browsers never
 * reach it (over the network, Notify stays `internal`).
 */
export function createInProcessTransport(
  service: ServiceImpl<typeof NotificationService>,
  caller: string,
): Transport {
  const identity: Interceptor = (next) => (req) => {
    req.contextValues.set(kPeerService, { name: caller, spiffeId: spiffeIdFor(caller) });
    return next(req);
  };
  return createRouterTransport((router) => router.service(NotificationService, service), {
    router: { interceptors: [errorInterceptor(), identity] },
  });
}
