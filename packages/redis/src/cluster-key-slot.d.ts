// The CRC16 hash slot function ioredis itself routes by (it ships no types).
declare module 'cluster-key-slot' {
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
