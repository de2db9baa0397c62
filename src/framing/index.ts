export * from './types.js';
export { crc16x25 } from './crc16.js';
export { scanMbusFrame, encodeMbusFrames, type MbusEncodeOptions } from './mbus.js';
export { scanHdlcFrame, encodeHdlcFrames, type HdlcEncodeOptions } from './hdlc.js';
export { scanGloCipherApdu, scanPlainApdu, type MeasureApdu } from './raw-apdu.js';
export { FrameScanner, type ScannerOptions, type FrameKind } from './scanner.js';
export { SegmentAssembler } from './assemble.js';
export { BlockTransferAssembler, encodeBlockTransfer, GBT_TAG, type BlockEvent } from './general-block-transfer.js';
