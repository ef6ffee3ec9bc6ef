/** The kinds of customer touchpoints in the fact ledger, and their order within one day. */
export const TOUCHPOINT_KINDS = ['session', 'purchase', 'service', 'campaign_response'] as const;
export type TouchpointKind = (typeof TOUCHPOINT_KINDS)[number];

/** Within a day: a visit comes before the order it led to, then service, then a campaign answer. */
export const KIND_RANK: Record<TouchpointKind, number> = { session: 1, purchase: 2, service: 3, campaign_response: 4 };

export interface PurchaseItem {
  product_id: number;
  quantity: number;
  amount: string | null;
  category: string | null;
  brand: string | null;
  name: string | null;
}

export type Touchpoint =
  | { kind: 'purchase'; id: string; date: string; amount: string; items: PurchaseItem[] }
  | { kind: 'service'; id: string; date: string; satisfaction_score: number | null; resolution_status: string }
  | {
      kind: 'campaign_response';
      id: string;
      date: string;
      campaign_id: number;
      campaign_name: string | null;
      response_type: string;
    }
  | { kind: 'session'; id: string; date: string; pages_viewed: number; time_spent: number };
