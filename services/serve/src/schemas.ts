import { INT4_MAX } from '@cdp360/domain';
import { z } from 'zod';

/** Path and query schemas of the routes: validated on every request and rendered into /openapi.json. */
export const customerIdParams = z.object({
  customer_id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'a positive integer customer id')
    .refine((s) => Number(s) <= INT4_MAX, `a customer id at most ${INT4_MAX}`)
    .meta({ description: 'customer id, 1-2147483647' }),
});

export const emailQuery = z.object({
  email: z.string().min(3).max(320).includes('@', { message: 'an email address' }).meta({
    description: 'email address, compared ignoring case',
  }),
});

export const MAX_BATCH = 100;
export const batchGetBody = z.object({
  ids: z
    .array(z.int().min(1).max(INT4_MAX))
    .min(1)
    .max(MAX_BATCH, `at most ${MAX_BATCH} ids`)
    .meta({ description: `1-${MAX_BATCH} customer ids` }),
});

const limit = (max: number, dflt: number) =>
  z
    .string()
    .regex(/^[0-9]{1,4}$/, `an integer 1-${max}`)
    .refine((s) => Number(s) >= 1 && Number(s) <= max, `an integer 1-${max}`)
    .optional()
    .meta({ description: `1-${max}, default ${dflt}` });

export const EVENTS_DEFAULT_LIMIT = 50;
export const eventsQuery = z.object({
  before: z.string().max(400).optional().meta({ description: 'the next_cursor of the previous page' }),
  limit: limit(200, EVENTS_DEFAULT_LIMIT),
});

export const journeyQuery = z.object({
  format: z.enum(['json', 'mermaid']).optional().meta({ description: 'json (default) or mermaid diagram text' }),
});

export const RECOMMENDATIONS_DEFAULT_LIMIT = 10;
export const recommendationsQuery = z.object({ limit: limit(100, RECOMMENDATIONS_DEFAULT_LIMIT) });

const money = z
  .string()
  .regex(/^\d+\.\d{2}$/)
  .meta({ description: 'decimal string, two decimals' });
const date = z.iso.date();

export const profileSchema = z
  .object({
    customer_id: z.int(),
    first_name: z.string().nullable().optional(),
    last_name: z.string().nullable().optional(),
    email: z.string().nullable().optional(),
    phone_number: z.string().nullable().optional(),
    date_of_birth: date.nullable().optional(),
    registration_date: date.nullable(),
    age: z.int().nullable(),
    customer_tenure_days: z.int().nullable(),
    total_orders: z.int().nullable(),
    total_lifetime_value: money.nullable(),
    average_order_value: money.nullable(),
    last_purchase_date: date.nullable(),
    days_since_last_purchase: z.int().nullable(),
    favorite_category: z.string().nullable(),
    favorite_brand: z.string().nullable(),
    total_interactions: z.int().nullable(),
    avg_satisfaction_score: z.number().nullable(),
    resolved_interactions: z.int().nullable(),
    campaigns_engaged: z.int().nullable(),
    campaign_conversions: z.int().nullable(),
    total_sessions: z.int().nullable(),
    avg_pages_per_session: z.number().nullable(),
    avg_time_per_session: z.number().nullable(),
    last_visit_date: date.nullable(),
    customer_segment: z.string().nullable(),
    churn_risk_score: z.int().nullable(),
    customer_lifetime_value_score: z.int().nullable(),
    engagement_score: z.int().nullable(),
  })
  .meta({
    description:
      'A customer_360 row. first_name, last_name, email, phone_number and date_of_birth are present only for keys with the profiles:read-pii scope.',
  });

export const profilesSchema = z.object({ profiles: z.array(profileSchema) });
export const batchGetResponse = z.object({ profiles: z.array(profileSchema), missing: z.array(z.int()) });

export const touchpointSchema = z
  .object({
    kind: z.enum(['session', 'purchase', 'service', 'campaign_response']),
    id: z.string(),
    date,
  })
  .catchall(z.unknown())
  .meta({
    description:
      'purchase: amount, items[]; service: satisfaction_score, resolution_status; campaign_response: campaign_id, campaign_name, response_type; session: pages_viewed, time_spent',
  });
export const eventsResponse = z.object({ events: z.array(touchpointSchema), next_cursor: z.string().nullable() });

export const journeyResponse = z.object({
  customer_id: z.int(),
  touchpoints: z.int(),
  truncated: z.boolean(),
  stages: z.array(
    z.object({
      kind: z.enum(['session', 'purchase', 'service', 'campaign_response']),
      first_date: date,
      last_date: date,
      count: z.int(),
      amount: money.nullable(),
      responses: z.array(z.string()).optional(),
    }),
  ),
});

export const recommendationsResponse = z.object({
  customer_id: z.int(),
  recommendations: z.array(
    z.object({
      product_id: z.int(),
      name: z.string().nullable(),
      category: z.string(),
      brand: z.string(),
      buyers: z.int(),
      matches: z.enum(['category_and_brand', 'category', 'brand']),
    }),
  ),
});

const counted = <T extends z.ZodType>(key: T) => z.array(z.object({ key, count: z.int() }));
export const statsResponse = z.object({
  customers: z.int(),
  segments: counted(z.string().nullable()),
  churn_risk: counted(z.int().nullable()),
  clv_quintiles: z.array(
    z.object({
      key: z.int().nullable(),
      count: z.int(),
      ltv_avg: money.nullable(),
      ltv_min: money.nullable(),
      ltv_max: money.nullable(),
    }),
  ),
  ltv_histogram: z.array(z.object({ from: z.number(), to: z.number().nullable(), count: z.int() })),
  engagement_histogram: counted(z.int().nullable()),
  engagement_by_recency: z.array(
    z.object({ bucket: z.string(), count: z.int(), engagement_avg: z.number().nullable() }),
  ),
});

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    field: z.string().optional(),
  })
  .meta({ description: 'RFC 9457 problem details (application/problem+json)' });

export const pipelineResponse = z.object({
  sources: z.int(),
  events_per_minute: z.array(z.object({ at: z.iso.datetime(), value: z.number() })),
  freshness: z.array(z.object({ le: z.string(), count: z.number() })),
});

/** DELETE /v1/profiles/{customer_id}: why (kept in the audit table; no personal data). */
export const eraseQuery = z.object({ reason: z.string().min(1).max(256).optional() }).strict();

export const eraseResponse = z.object({
  customer_id: z.number().int(),
  request_id: z.string().meta({ description: 'the CloudEvents id of the erasure request' }),
  status: z.literal('accepted'),
});
