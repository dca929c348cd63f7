// Snappy block format for remote read/write bodies: the codec lives in tsdb (the WAL uses it too).
export { snappyDecode, snappyEncode } from '../../tsdb/encoding/snappy.js';
