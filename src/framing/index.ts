export * from './types.js';
export { crc16x25 } from './crc16.js';
export { scanMbusFrame, encodeMbusFrames, type MbusEncodeOptions, type MbusScan } from './mbus.js';
export {
  scanHdlcFrame,
  encodeHdlcFrame,
  encodeHdlcFrames,
  type HdlcEncodeOptions,
  type HdlcScan,
} from './hdlc.js';
export {
  scanGloCipherApdu,
  scanPlainApdu,
  MAX_RAW_APDU,
  type MeasureApdu,
  type RawScan,
} from './raw-apdu.js';
export { FrameScanner, type ScannerOptions, type FrameKind } from './scanner.js';
export { SegmentAssembler, type AssemblerOptions } from './assemble.js';
export {
  BlockTransferAssembler,
  encodeBlockTransfer,
  GBT_TAG,
  type BlockEvent,
} from './general-block-transfer.js';
