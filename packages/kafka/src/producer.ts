import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * The producer of dead letters and triggers: idempotent with one request in flight, so a retried send
 * neither duplicates nor reorders what it carries.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // Our topics must exist (the updater checks at start): never ask a broker that allows it to create one.
    allowAutoTopicCreation: false,
    // Java-client compatible (murmur2) placement by key; saying so also silences kafkajs's v2 notice.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
