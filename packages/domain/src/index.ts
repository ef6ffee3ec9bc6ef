export * from './dates';
export { DECODE_ERROR_CODES, decodeMessage, decodeMessageByZod } from './events/decode';
export { codePointLength, INT4_MAX } from './events/fields';
export { eventJsonSchemas } from './events/json-schema';
export {
  cloudEventSchema,
  type Envelope,
  envelopeSchema,
  PAYLOAD_SCHEMAS,
  PAYLOAD_WIRE_SCHEMAS,
} from './events/schemas';
export * from './events/topics';
export * from './events/types';
export * from './money';
export * from './privacy';
export * from './profile';
export * from './replay-target';
export * from './triggers';
