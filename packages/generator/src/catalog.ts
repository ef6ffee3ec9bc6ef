import { hash3, unit3 } from './random';

/** Categories with their brands and a typical (median) unit price in cents. */
export const CATEGORIES: ReadonlyArray<{ name: string; brands: readonly string[]; medianCents: number }> = [
  { name: 'Electronics', brands: ['Voltix', 'Nordlys', 'Kumo', 'Arcbright', 'Pixelon'], medianCents: 8900 },
  { name: 'Home & Kitchen', brands: ['Hearthly', 'CasaNova', 'Brühl', 'Oakstead', 'Kitcho'], medianCents: 3400 },
  {
    name: 'Clothing',
    brands: ['Tessaro', 'Northwind Apparel', 'Lumen & Loom', 'Rivet', 'Maison Élan'],
    medianCents: 2900,
  },
  { name: 'Shoes', brands: ['Stridewell', 'Pavé', 'Trailmark', 'Soleil'], medianCents: 6500 },
  { name: 'Beauty', brands: ['Glowlab', 'Aurélie', 'Pure Petal', 'Mirra'], medianCents: 1800 },
  { name: 'Sports & Outdoors', brands: ['Summitline', 'Kestrel', 'Aqualon', 'Ridgeback'], medianCents: 4200 },
  { name: 'Toys & Games', brands: ['Tinker Town', 'Playfort', 'Meeple & Co', 'Zoomi'], medianCents: 2400 },
  { name: 'Books', brands: ['Inkwell Press', 'Blue Heron Books', 'Papier'], medianCents: 1500 },
  { name: 'Grocery', brands: ['Farmhouse Pantry', 'Green Basket', 'Ōsaka Foods', 'Daily Crumb'], medianCents: 700 },
  { name: 'Garden', brands: ['Verdant', 'Rootwise', 'Bloomfield'], medianCents: 2700 },
  { name: 'Pet Supplies', brands: ['Pawsome', 'Whisker & Wag', 'Fetchly'], medianCents: 2100 },
  { name: 'Jewelry', brands: ['Aurum Atelier', 'Lune', 'Cristallo'], medianCents: 14900 },
  { name: 'Office', brands: ['Deskcraft', 'Quillon', 'Papeterie Nord'], medianCents: 1900 },
];

const ADJECTIVES = ['Classic', 'Pro', 'Ultra', 'Eco', 'Compact', 'Deluxe', 'Essential', 'Smart', 'Vintage', 'Lite'];
const NOUNS: Record<string, readonly string[]> = {
  Electronics: ['Headphones', 'Speaker', 'Smartwatch', 'Charger', 'Tablet', 'Camera', 'Monitor'],
  'Home & Kitchen': ['Kettle', 'Pan Set', 'Blender', 'Knife Block', 'Toaster', 'Duvet'],
  Clothing: ['T-Shirt', 'Hoodie', 'Jeans', 'Jacket', 'Scarf', 'Dress'],
  Shoes: ['Sneakers', 'Boots', 'Sandals', 'Loafers', 'Trail Runners'],
  Beauty: ['Serum', 'Moisturiser', 'Lipstick', 'Shampoo', 'Eau de Parfum'],
  'Sports & Outdoors': ['Yoga Mat', 'Tent', 'Water Bottle', 'Backpack', 'Bike Helmet'],
  'Toys & Games': ['Puzzle', 'Board Game', 'Building Set', 'Plush Bear', 'RC Car'],
  Books: ['Cookbook', 'Novel', 'Field Guide', 'Atlas', 'Notebook'],
  Grocery: ['Coffee Beans', 'Olive Oil', 'Granola', 'Tea Sampler', 'Dark Chocolate'],
  Garden: ['Hose', 'Planter', 'Pruner', 'Seed Kit', 'Bird Feeder'],
  'Pet Supplies': ['Dog Bed', 'Cat Tree', 'Leash', 'Pet Food', 'Chew Toy'],
  Jewelry: ['Necklace', 'Ring', 'Bracelet', 'Earrings', 'Watch'],
  Office: ['Desk Lamp', 'Pen Set', 'Planner', 'Ergonomic Chair', 'Stapler'],
};

// Salts keep the hash streams of different attributes independent.
const SALT_CATEGORY = 11;
const SALT_BRAND = 12;
const SALT_NAME = 13;
const SALT_PRICE = 14;
const SALT_STATUS = 15;
const SALT_LATE_DAY = 16;
const SALT_UPDATE = 17;

/** First product id; ids run from here. */
export const FIRST_PRODUCT_ID = 1001;
/** First campaign id; ids run from here. */
export const FIRST_CAMPAIGN_ID = 501;

export type ProductStatus = 'published' | 'late' | 'unknown';

/** A product is a pure function of (seed, index): nothing about the catalog is stored. */
export class Catalog {
  constructor(
    readonly seed: number,
    readonly size: number,
    /** Share of products published only after purchases referenced them. */
    readonly lateShare = 0.06,
    /** Share of products never published (purchases reference unknown products). */
    readonly unknownShare = 0.03,
  ) {}

  productId(index: number): number {
    return FIRST_PRODUCT_ID + index;
  }

  status(index: number): ProductStatus {
    const u = unit3(this.seed, index, SALT_STATUS);
    return u < this.unknownShare ? 'unknown' : u < this.unknownShare + this.lateShare ? 'late' : 'published';
  }

  /** For a late product: a fraction of the window [0, 1) after whose start it gets published. */
  lateFraction(index: number): number {
    return 0.15 + 0.8 * unit3(this.seed, index, SALT_LATE_DAY);
  }

  /** Whether a published product is re-published later with a changed name and brand spelling. */
  hasUpdate(index: number): boolean {
    return unit3(this.seed, index, SALT_UPDATE) < 0.03;
  }

  categoryIndex(index: number): number {
    return hash3(this.seed, index, SALT_CATEGORY) % CATEGORIES.length;
  }

  record(index: number, version: number): { product_id: number; category: string; brand: string; name?: string } {
    const cat = CATEGORIES[this.categoryIndex(index)]!;
    const h = hash3(this.seed, index, SALT_BRAND);
    const brand = cat.brands[h % cat.brands.length]!;
    const n = hash3(this.seed, index, SALT_NAME);
    const nouns = NOUNS[cat.name]!;
    const base = `${brand} ${ADJECTIVES[n % ADJECTIVES.length]} ${nouns[(n >>> 8) % nouns.length]}`;
    const product_id = this.productId(index);
    // Some catalog entries have no name (it is optional); updates rename the product.
    if (version === 1 && n % 17 === 0) return { product_id, category: cat.name, brand };
    return { product_id, category: cat.name, brand, name: version === 1 ? base : `${base} (${2024 + version})` };
  }

  /** Unit price in cents: log-normal around the category median, at least 0.99. */
  priceCents(index: number): number {
    const cat = CATEGORIES[this.categoryIndex(index)]!;
    // A cheap normal from two uniforms (sum of uniforms, shifted): enough for prices.
    const z = (unit3(this.seed, index, SALT_PRICE) + unit3(this.seed, index, SALT_PRICE + 100) - 1) * 2.4;
    return Math.max(99, Math.round((cat.medianCents * Math.exp(z * 0.8)) / 10) * 10 - 1);
  }
}

const CAMPAIGN_THEMES = [
  'Spring Sale',
  'Summer Clearance',
  'Back to School',
  'Black Friday',
  'Cyber Monday',
  'Holiday Gift Guide',
  'New Year Reset',
  "Valentine's Picks",
  'Loyalty Double Points',
  'Free Shipping Weekend',
  'Flash Deals',
  'Win-back',
];
const CHANNELS = ['Email', 'SMS', 'Push', 'Social', 'Display', 'Search'];

export interface CampaignDef {
  campaign_id: number;
  campaign_name: string;
  channel?: string;
  start_date: string;
  end_date: string;
}

export { CAMPAIGN_THEMES, CHANNELS };
