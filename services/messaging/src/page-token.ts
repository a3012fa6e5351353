/** Page tokens are the mesh's (one format and one set of checks for every service). */
export { decodePageToken, encodePageToken, type PagePosition } from "@parley/mesh";
