export { BULK_READ, type BulkResponse, bulkGet } from "./bulk.js";
export { type BulkRequest, NOT_FRAMED } from "./head.js";
export { type Relay, relayGet } from "./relay.js";
