import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * The producer of dead letters and triggers: idempotent with one request in flight, so a retried send
 * neither duplicates nor reorders what it carries.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // Java-client compatible (murmur2) placement by key; saying so also silences kafkajs's v2 notice.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
