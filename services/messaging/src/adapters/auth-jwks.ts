/** Auth's JWKS as a token verifier's key source: the mesh's, shared by every service. */
export { authJwksSource } from "@parley/mesh";
