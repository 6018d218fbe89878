import { prng } from '../ozon/state.ts';

/**
 * What the Wildberries simulator knows: product cards (nmId, one size chrtId and barcode
 * each), the seller's own warehouses (FBS) and WB's warehouses, the statistics reports
 * (orders, sales = buyouts and returns, stocks) ordered by lastChangeDate, FBS assembly
 * tasks, feedbacks and return claims. Test controls below change it the way buyers do.
 */

export interface WbCard {
  nmId: number;
  chrtId: number;
  barcode: string;
  /** The seller's article (supplierArticle): Sklad's SKU. */
  article: string;
  subject: string;
  brand: string;
  category: string;
  techSize: string;
  /** Rubles, before discounts. */
  price: number;
  /** The seller's discount, % (POST /api/v2/upload/task). */
  discount?: number;
  /** In WB's sale by the stock index: its price cannot be changed (the upload's item error). */
  inSale?: boolean;
}

/** A processed price upload (GET /api/v2/history/goods/task): each item's status 2 (updated) or 3 (error). */
export interface WbPriceUpload {
  id: number;
  goods: {
    nmID: number;
    vendorCode: string;
    sizeID: number;
    techSizeName: string;
    price: number;
    discount: number;
    status: 2 | 3;
    errorText: string;
  }[];
}

export interface WbSellerWarehouse {
  id: number;
  name: string;
  officeId: number;
}

/** A row of a statistics report; `changedMs` orders the report (lastChangeDate). */
interface ReportRow {
  changedMs: number;
  row: Record<string, unknown>;
}

export interface WbFbsOrder {
  id: number;
  rid: string;
  orderUid: string;
  createdAt: string;
  warehouseId: number;
  officeId: number;
  nmId: number;
  chrtId: number;
  article: string;
  barcode: string;
  /** Kopecks (price × 100), as the marketplace API writes it. */
  price: number;
  supplierStatus: 'new' | 'confirm' | 'complete' | 'cancel';
  wbStatus: string;
}

export interface WbFeedback {
  id: string;
  text: string;
  productValuation: number;
  createdDate: string;
  answered: boolean;
  card: WbCard;
  userName: string;
}

export interface WbClaim {
  id: string;
  srid: string;
  card: WbCard;
  status: number;
  statusEx: number;
  dt: string;
  orderDt: string;
  dtUpdate: string;
  userComment: string;
  archived: boolean;
  price: number;
}

/**
 * Moscow time as WB's reports write it: no offset ("2022-03-06T10:11:07", the spec's own
 * examples; its "RFC3339" is an erratum the contract checker knows: src/test/openapi-contract.ts).
 */
export function moscowIso(ms: number): string {
  return new Date(ms + 3 * 3_600_000).toISOString().slice(0, 19);
}

/** A sorted report: binary search for "lastChangeDate >= dateFrom", move-to-end on change. */
class Report {
  readonly rows: ReportRow[] = [];
  private readonly byKey = new Map<string, ReportRow>();

  constructor(private readonly key: (row: Record<string, unknown>) => string) {}

  /** Adds or replaces a row, stamping it with lastChangeDate = `at`. */
  put(row: Record<string, unknown>, at: number) {
    const existing = this.byKey.get(this.key(row));
    // lastIndexOf: the rows that change are nearly always the newest.
    if (existing) this.rows.splice(this.rows.lastIndexOf(existing), 1);
    const entry = { changedMs: at, row: { ...row, lastChangeDate: moscowIso(at) } };
    this.byKey.set(this.key(row), entry);
    // Usually appended at the end (now); the seeder inserts in the past, so keep order.
    let i = this.rows.length;
    while (i > 0 && this.rows[i - 1].changedMs > at) i--;
    this.rows.splice(i, 0, entry);
  }

  get(key: string) {
    return this.byKey.get(key)?.row;
  }

  /** Rows changed at or after `fromMs` (whole seconds, as WB compares), at most `limit`. */
  since(fromMs: number, limit: number) {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Math.floor(this.rows[mid].changedMs / 1000) * 1000 < fromMs) lo = mid + 1;
      else hi = mid;
    }
    return this.rows.slice(lo, lo + limit).map((r) => r.row);
  }

  get size() {
    return this.rows.length;
  }
}

const wbWarehouseNames = [
  'Коледино',
  'Подольск',
  'Электросталь',
  'Казань',
  'Краснодар',
  'Тула',
  'Екатеринбург - Испытателей 14г',
  'Новосибирск',
  'Санкт-Петербург Уткина Заводь',
  'Невинномысск',
];
const regions = [
  ['Центральный федеральный округ', 'Москва'],
  ['Северо-Западный федеральный округ', 'Санкт-Петербург'],
  ['Приволжский федеральный округ', 'Республика Татарстан'],
  ['Южный федеральный округ', 'Краснодарский край'],
  ['Уральский федеральный округ', 'Свердловская область'],
];

export class WbState {
  readonly cards: WbCard[] = [];
  readonly byArticle = new Map<string, WbCard>();
  readonly byChrtId = new Map<number, WbCard>();
  readonly sellerWarehouses: WbSellerWarehouse[] = [];
  readonly orders = new Report((r) => String(r.srid));
  readonly sales = new Report((r) => String(r.saleID));
  readonly stocks = new Report((r) => `${r.barcode}|${r.warehouseName}`);
  readonly fbsOrders = new Map<number, WbFbsOrder>();
  /** `${warehouseId}:${chrtId}` → amount the seller set. */
  readonly fbsStocks = new Map<string, number>();
  readonly feedbacks: WbFeedback[] = [];
  readonly claims: WbClaim[] = [];
  /** Price uploads by id, processed at once. */
  readonly priceUploads = new Map<number, WbPriceUpload>();
  private sequence = 1;
  private readonly random: () => number;

  constructor(seed = 1) {
    this.random = prng(seed);
  }

  addCard(card: Omit<WbCard, 'techSize' | 'category'> & Partial<WbCard>): WbCard {
    const full: WbCard = { techSize: '0', category: 'Одежда', ...card };
    this.cards.push(full);
    this.byArticle.set(full.article, full);
    this.byChrtId.set(full.chrtId, full);
    return full;
  }

  card(article: string): WbCard {
    const card = this.byArticle.get(article);
    if (!card) throw new Error(`No WB card with article ${article}`);
    return card;
  }

  private productFields(card: WbCard) {
    return {
      supplierArticle: card.article,
      nmId: card.nmId,
      barcode: card.barcode,
      category: card.category,
      subject: card.subject,
      brand: card.brand,
      techSize: card.techSize,
      incomeID: 0,
      isSupply: false,
      isRealization: true,
    };
  }

  /** A buyer orders one unit (1 row = 1 unit in WB's report); returns its srid. */
  addOrder(input: { article: string; warehouseName?: string; at?: number; discountPercent?: number }): string {
    const card = this.card(input.article);
    const at = input.at ?? Date.now();
    const seq = this.sequence++;
    const srid = `${seq}.r${((seq * 2654435761) >>> 0).toString(16)}${seq}.0.0`;
    const [okrug, region] = regions[seq % regions.length];
    const discountPercent = input.discountPercent ?? 20;
    const priceWithDisc = Math.round(card.price * (1 - discountPercent / 100) * 100) / 100;
    this.orders.put(
      {
        date: moscowIso(at),
        warehouseName: input.warehouseName ?? wbWarehouseNames[seq % wbWarehouseNames.length],
        warehouseType: 'Склад WB',
        countryName: 'Россия',
        oblastOkrugName: okrug,
        regionName: region,
        ...this.productFields(card),
        totalPrice: card.price,
        discountPercent,
        spp: 5,
        finishedPrice: Math.round(priceWithDisc * 0.95 * 100) / 100,
        priceWithDisc,
        isCancel: false,
        cancelDate: '0001-01-01T00:00:00',
        sticker: String(900_000_000 + seq),
        gNumber: String(3_434_346_221_857_256_953n + BigInt(seq)),
        srid,
      },
      at,
    );
    return srid;
  }

  private order(srid: string) {
    const row = this.orders.get(srid);
    if (!row) throw new Error(`No WB order ${srid}`);
    return row;
  }

  cancelOrder(srid: string, at = Date.now()) {
    this.orders.put({ ...this.order(srid), isCancel: true, cancelDate: moscowIso(at) }, at);
  }

  /** The buyer picked the order up: an S… row in the sales report. */
  buyout(srid: string, at = Date.now()): string {
    return this.addSale(srid, 'S', at);
  }

  /** The buyer returned it: an R… row with negative amounts. */
  returnOrder(srid: string, at = Date.now()): string {
    return this.addSale(srid, 'R', at);
  }

  private addSale(srid: string, kind: 'S' | 'R', at: number): string {
    const order = this.order(srid);
    const sign = kind === 'S' ? 1 : -1;
    const saleID = `${kind}${String(9_000_000_000 + this.sequence++)}`;
    const { date: _date, lastChangeDate: _changed, isCancel: _cancel, cancelDate: _cancelDate, ...rest } = order;
    this.sales.put(
      {
        ...rest,
        date: moscowIso(at),
        saleID,
        paymentSaleAmount: 0,
        forPay: (sign * Math.round(Number(order.priceWithDisc) * 0.8 * 100)) / 100,
        finishedPrice: sign * Number(order.finishedPrice),
        priceWithDisc: sign * Number(order.priceWithDisc),
      },
      at,
    );
    return saleID;
  }

  setWbStock(article: string, warehouseName: string, quantity: number, at = Date.now()) {
    const card = this.card(article);
    this.stocks.put(
      {
        warehouseName,
        ...this.productFields(card),
        quantity,
        inWayToClient: 0,
        inWayFromClient: 0,
        quantityFull: quantity,
        Price: card.price,
        Discount: 20,
        SCCode: 'Tech',
      },
      at,
    );
  }

  addFbsOrder(input: { article: string; warehouseId?: number; at?: number }): WbFbsOrder {
    const card = this.card(input.article);
    const warehouse = this.sellerWarehouses.find((w) => w.id === input.warehouseId) ?? this.sellerWarehouses[0];
    if (!warehouse) throw new Error('The simulator has no seller warehouse');
    const id = 5_000_000_000 + this.sequence++;
    const order: WbFbsOrder = {
      id,
      rid: `f${id}.0.0`,
      orderUid: `uid${id}`,
      createdAt: new Date(input.at ?? Date.now()).toISOString().slice(0, 19) + 'Z',
      warehouseId: warehouse.id,
      officeId: warehouse.officeId,
      nmId: card.nmId,
      chrtId: card.chrtId,
      article: card.article,
      barcode: card.barcode,
      price: Math.round(card.price * 80),
      supplierStatus: 'new',
      wbStatus: 'waiting',
    };
    this.fbsOrders.set(id, order);
    return order;
  }

  setFbsStatus(id: number, supplierStatus: WbFbsOrder['supplierStatus'], wbStatus: string) {
    const order = this.fbsOrders.get(id);
    if (!order) throw new Error(`No FBS order ${id}`);
    order.supplierStatus = supplierStatus;
    order.wbStatus = wbStatus;
  }

  addFeedback(input: { article: string; rating: number; text?: string; answered?: boolean; at?: number }): WbFeedback {
    const feedback: WbFeedback = {
      id: `fb${String(this.sequence++).padStart(10, '0')}`,
      text: input.text ?? (input.rating >= 4 ? 'Всё отлично' : 'Не подошёл размер'),
      productValuation: input.rating,
      createdDate: new Date(input.at ?? Date.now()).toISOString().slice(0, 19) + 'Z',
      answered: input.answered ?? false,
      card: this.card(input.article),
      userName: 'Покупатель',
    };
    this.feedbacks.push(feedback);
    return feedback;
  }

  addClaim(input: { srid: string; at?: number; comment?: string }): WbClaim {
    const order = this.order(input.srid);
    const at = new Date(input.at ?? Date.now()).toISOString().slice(0, 19) + 'Z';
    const seq = this.sequence++;
    const hex = ((seq * 2654435761) >>> 0).toString(16).padStart(8, '0');
    const claim: WbClaim = {
      id: `${hex}-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      srid: input.srid,
      card: this.card(String(order.supplierArticle)),
      status: 0,
      statusEx: 0,
      dt: at,
      orderDt: String(order.date).slice(0, 19) + 'Z',
      dtUpdate: at,
      userComment: input.comment ?? 'Брак',
      archived: false,
      price: Number(order.finishedPrice),
    };
    this.claims.push(claim);
    return claim;
  }

  /** The seller's decision on a claim moves it to the archive. */
  decideClaim(id: string, status: 1 | 2, at = Date.now()) {
    const claim = this.claims.find((c) => c.id === id);
    if (!claim) throw new Error(`No claim ${id}`);
    claim.status = status;
    claim.statusEx = status === 2 ? 8 : 1;
    claim.archived = true;
    claim.dtUpdate = new Date(at).toISOString().slice(0, 19) + 'Z';
  }

  /** For seeders: a random element. */
  pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  chance(p: number) {
    return this.random() < p;
  }

  static readonly warehouseNames = wbWarehouseNames;
}

export interface WbSeedOptions {
  cards?: number;
  /** Rows of the orders report (one unit each), spread over `days` days back. */
  orderRows?: number;
  days?: number;
  cancelShare?: number;
  buyoutShare?: number;
  /** Of the buyouts, the share later returned. */
  returnShare?: number;
  feedbacks?: number;
  claims?: number;
  fbsOrders?: number;
  /** article of card i (1-based); default `WB-000001`. */
  article?: (i: number) => string;
}

export function seedWildberries(state: WbState, options: WbSeedOptions = {}): WbState {
  const article = options.article ?? ((i: number) => `WB-${String(i).padStart(6, '0')}`);
  if (!state.sellerWarehouses.length) {
    state.sellerWarehouses.push(
      { id: 507, name: 'Мой склад (Москва)', officeId: 15 },
      { id: 508, name: 'Мой склад (Казань)', officeId: 16 },
    );
  }
  const start = state.cards.length;
  for (let i = start + 1; i <= start + (options.cards ?? 50); i++) {
    const card = state.addCard({
      nmId: 150_000_000 + i,
      chrtId: 250_000_000 + i,
      barcode: `2040000${String(i).padStart(6, '0')}`,
      article: article(i),
      subject: 'Футболки',
      brand: 'Sklad',
      price: 500 + (i % 20) * 100,
    });
    for (const name of WbState.warehouseNames.slice(0, 5))
      state.setWbStock(card.article, name, 10 + (i % 7), Date.now() - 86_400_000);
  }
  const days = options.days ?? 30;
  const now = Date.now();
  const rows = options.orderRows ?? 200;
  // Spread evenly (newest last) so the report is already in lastChangeDate order: O(1) inserts.
  const step = (days * 86_400_000) / Math.max(1, rows);
  const sales: { srid: string; at: number }[] = [];
  for (let n = 0; n < rows; n++) {
    const at = now - days * 86_400_000 + n * step;
    const srid = state.addOrder({ article: state.pick(state.cards).article, at });
    if (state.chance(options.cancelShare ?? 0.3)) state.cancelOrder(srid, at + 1);
    else if (state.chance(options.buyoutShare ?? 0.6)) sales.push({ srid, at: at + 2 });
  }
  for (const { srid, at } of sales) {
    state.buyout(srid, at);
    if (state.chance(options.returnShare ?? 0.04)) state.returnOrder(srid, at + 3);
  }
  const orders = state.orders.rows;
  for (let n = 0; n < (options.feedbacks ?? 20); n++) {
    state.addFeedback({
      article: state.pick(state.cards).article,
      rating: 1 + (n % 5),
      answered: n % 3 === 0,
      at: now - n * 3_600_000,
    });
  }
  for (let n = 0; n < (options.claims ?? 5) && orders.length; n++) {
    const claim = state.addClaim({ srid: String(orders[orders.length - 1 - n].row.srid), at: now - n * 3_600_000 });
    if (n % 2) state.decideClaim(claim.id, 2, now - n * 3_600_000 + 60_000);
  }
  for (let n = 0; n < (options.fbsOrders ?? 10); n++) {
    const order = state.addFbsOrder({ article: state.pick(state.cards).article, at: now - n * 3_600_000 });
    if (n % 4 === 1) state.setFbsStatus(order.id, 'confirm', 'waiting');
    if (n % 4 === 2) state.setFbsStatus(order.id, 'complete', 'sold');
    if (n % 4 === 3) state.setFbsStatus(order.id, 'cancel', 'canceled');
  }
  return state;
}
