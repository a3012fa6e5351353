/**
 * A certificate and its private key as PEM text: the form node:tls, @grpc/grpc-js and Envoy
 * read, and the form the mesh stores on disk (`<name>.pem` / `<name>.key`).
 */
export interface PemCredentials {
  /** PEM `CERTIFICATE`. */
  readonly certPem: string;
  /** PEM PKCS#8 `PRIVATE KEY`. */
  readonly keyPem: string;
}
