export {
  customerOfKey,
  type ErasureRequestInput,
  erasureRequestMessage,
  messageSubject,
  PROFILE_ERASED_RULE,
  profileErasedTrigger,
  suppressionDecision,
} from './suppression';
