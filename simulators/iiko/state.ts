import crypto from 'node:crypto';

/**
 * What the iiko Cloud simulator knows: API logins (each sees some organizations), access
 * tokens that expire, and per organization a nomenclature with a revision counter (every
 * change bumps it, so `startRevision` answers only what changed), stop lists per terminal
 * group, terminal groups, payment types, combos and webhook settings. Shapes follow
 * ../shared/specs/iiko/iikocloud.openapi.json.
 */

export interface IikoGroup {
  id: string;
  parentGroup: string | null;
  name: string;
  description: string | null;
  code: string | null;
  order: number;
  isIncludedInMenu: boolean;
  isGroupModifier: boolean;
  imageLinks: string[];
  isDeleted: boolean;
  revision: number;
}

export interface IikoSizePrice {
  sizeId: string | null;
  price: number;
}

export interface IikoModifierLink {
  id: string;
  minAmount: number;
  maxAmount: number;
  defaultAmount?: number;
  required?: boolean;
}

export interface IikoGroupModifier extends IikoModifierLink {
  childModifiers: IikoModifierLink[];
}

export interface IikoProduct {
  id: string;
  groupId: string | null;
  name: string;
  code: string;
  description: string | null;
  /** 'Dish', 'Good', 'Modifier', 'Service' as iiko types them. */
  type: 'Dish' | 'Good' | 'Modifier' | 'Service';
  weight: number;
  measureUnit: string;
  order: number;
  nutrition: { fat: number; proteins: number; carbohydrates: number; energy: number };
  sizePrices: IikoSizePrice[];
  modifiers: IikoModifierLink[];
  groupModifiers: IikoGroupModifier[];
  imageLinks: string[];
  tags: string[];
  isDeleted: boolean;
  revision: number;
}

export interface IikoSize {
  id: string;
  name: string;
  priority: number;
  isDefault: boolean;
}

export interface IikoTerminalGroup {
  id: string;
  name: string;
  address: string;
  inSleep: boolean;
}

export interface IikoPaymentType {
  id: string;
  code: string;
  name: string;
  kind: 'Cash' | 'Card' | 'External' | 'IikoCard';
  isDeleted: boolean;
}

export interface IikoCombo {
  sourceActionId: string;
  name: string;
  priceModification: number;
  groups: { id: string; name: string; isMainGroup: boolean; productIds: string[] }[];
  isDeleted: boolean;
}

export interface StopEntry {
  productId: string;
  sizeId: string | null;
  balance: number;
  dateAdd: string;
}

export interface WebhookSettings {
  webHooksUri: string;
  authToken: string | null;
  filter: unknown;
}

export interface IikoOrganization {
  id: string;
  name: string;
  code: string;
  revision: number;
  groups: Map<string, IikoGroup>;
  products: Map<string, IikoProduct>;
  sizes: IikoSize[];
  terminalGroups: IikoTerminalGroup[];
  paymentTypes: IikoPaymentType[];
  combos: IikoCombo[];
  /** terminal group id → product id → entry */
  stopLists: Map<string, Map<string, StopEntry>>;
  webhook: WebhookSettings | null;
}

export class IikoState {
  readonly organizations = new Map<string, IikoOrganization>();
  /** apiLogin → the organizations it may read. */
  readonly apiLogins = new Map<string, string[]>();
  readonly tokens = new Map<string, { apiLogin: string; expiresAt: number }>();
  externalMenus: { id: string; name: string }[] = [];
  priceCategories: { id: string; name: string }[] = [];
  /** iiko's tokens live an hour; tests shorten this. */
  tokenTtlMs = 60 * 60_000;

  addApiLogin(apiLogin: string, organizationIds: string[]) {
    this.apiLogins.set(apiLogin, organizationIds);
  }

  issueToken(apiLogin: string): string | null {
    if (!this.apiLogins.has(apiLogin)) return null;
    const token = crypto.randomBytes(24).toString('base64url');
    this.tokens.set(token, { apiLogin, expiresAt: Date.now() + this.tokenTtlMs });
    return token;
  }

  /** The API login a live token belongs to, or null (unknown or expired). */
  tokenOwner(token: string): string | null {
    const t = this.tokens.get(token);
    if (!t) return null;
    if (t.expiresAt <= Date.now()) {
      this.tokens.delete(token);
      return null;
    }
    return t.apiLogin;
  }

  expireAllTokens() {
    this.tokens.clear();
  }

  organization(id: string): IikoOrganization {
    const org = this.organizations.get(id);
    if (!org) throw new Error(`No iiko organization ${id}`);
    return org;
  }

  /** Finds the organization holding a product. */
  private productHome(productId: string): { org: IikoOrganization; product: IikoProduct } {
    for (const org of this.organizations.values()) {
      const product = org.products.get(productId);
      if (product) return { org, product };
    }
    throw new Error(`No iiko product ${productId}`);
  }

  private touch(org: IikoOrganization, item: { revision: number }) {
    org.revision += 1;
    item.revision = org.revision;
  }

  // --- test controls ------------------------------------------------------------------------

  setPrice(productId: string, price: number, sizeId: string | null = null) {
    const { org, product } = this.productHome(productId);
    const entry = product.sizePrices.find((p) => p.sizeId === sizeId) ?? product.sizePrices[0];
    entry.price = price;
    this.touch(org, product);
  }

  rename(productId: string, name: string) {
    const { org, product } = this.productHome(productId);
    product.name = name;
    this.touch(org, product);
  }

  deleteProduct(productId: string) {
    const { org, product } = this.productHome(productId);
    product.isDeleted = true;
    this.touch(org, product);
  }

  deleteGroup(groupId: string) {
    for (const org of this.organizations.values()) {
      const group = org.groups.get(groupId);
      if (!group) continue;
      group.isDeleted = true;
      this.touch(org, group);
      return;
    }
    throw new Error(`No iiko group ${groupId}`);
  }

  /** Puts a product on the stop list of one terminal group (all of the organization's when not named). */
  stop(productId: string, options: { balance?: number; terminalGroupId?: string; sizeId?: string | null } = {}) {
    const { org } = this.productHome(productId);
    const groups = options.terminalGroupId ? [options.terminalGroupId] : org.terminalGroups.map((t) => t.id);
    for (const tg of groups) {
      const list = org.stopLists.get(tg) ?? new Map<string, StopEntry>();
      list.set(productId, {
        productId,
        sizeId: options.sizeId ?? null,
        balance: options.balance ?? 0,
        dateAdd: iikoDateTime(new Date()),
      });
      org.stopLists.set(tg, list);
    }
  }

  unstop(productId: string) {
    const { org } = this.productHome(productId);
    for (const list of org.stopLists.values()) list.delete(productId);
  }

  /** Dishes (not modifiers) that are not deleted, for tests to pick from. */
  dishes(organizationId: string): IikoProduct[] {
    return [...this.organization(organizationId).products.values()].filter(
      (p) => p.type !== 'Modifier' && !p.isDeleted,
    );
  }
}

/** iiko's own date format: `yyyy-MM-dd HH:mm:ss.fff` (UTC). */
export const iikoDateTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

// --- seed -----------------------------------------------------------------------------------

/** A small deterministic generator, so a seeded menu is the same on every run. */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  return {
    next,
    uuid,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)],
  };
}

/** Categories of a Russian pizza-and-sushi delivery: top level → subcategories → how many dishes each. */
const MENU: { name: string; children: { name: string; dishes: number; kind: 'pizza' | 'drink' | 'plain' }[] }[] = [
  {
    name: 'Пицца',
    children: [
      { name: 'Классические', dishes: 18, kind: 'pizza' },
      { name: 'Фирменные', dishes: 14, kind: 'pizza' },
      { name: 'Вегетарианские', dishes: 8, kind: 'pizza' },
    ],
  },
  {
    name: 'Суши и роллы',
    children: [
      { name: 'Роллы', dishes: 30, kind: 'plain' },
      { name: 'Запечённые роллы', dishes: 16, kind: 'plain' },
      { name: 'Суши', dishes: 14, kind: 'plain' },
      { name: 'Сеты', dishes: 10, kind: 'plain' },
    ],
  },
  {
    name: 'Горячее',
    children: [
      { name: 'Бургеры', dishes: 14, kind: 'plain' },
      { name: 'Паста', dishes: 12, kind: 'plain' },
      { name: 'Вок', dishes: 12, kind: 'plain' },
    ],
  },
  { name: 'Супы', children: [{ name: 'Супы', dishes: 10, kind: 'plain' }] },
  { name: 'Салаты', children: [{ name: 'Салаты', dishes: 14, kind: 'plain' }] },
  {
    name: 'Закуски',
    children: [
      { name: 'Горячие закуски', dishes: 12, kind: 'plain' },
      { name: 'Картофель', dishes: 6, kind: 'plain' },
    ],
  },
  { name: 'Десерты', children: [{ name: 'Десерты', dishes: 12, kind: 'plain' }] },
  {
    name: 'Напитки',
    children: [
      { name: 'Горячие напитки', dishes: 14, kind: 'drink' },
      { name: 'Холодные напитки', dishes: 20, kind: 'drink' },
      { name: 'Соки и морсы', dishes: 10, kind: 'drink' },
    ],
  },
];

const WORDS = [
  'Маргарита',
  'Пепперони',
  'Четыре сыра',
  'Гавайская',
  'Барбекю',
  'Карбонара',
  'Филадельфия',
  'Калифорния',
  'Дракон',
  'Унаги',
  'Спайси',
  'Цезарь',
  'Греческий',
  'Том ям',
  'Борщ',
  'Чизкейк',
  'Тирамису',
  'Лимонад',
  'Морс',
  'Капучино',
  'Латте',
  'Чикен',
  'Биф',
  'Фиш',
  'Овощной',
  'Острый',
  'Сливочный',
  'Домашний',
];

export interface SeedOptions {
  /** Organizations to create (each with its own copy of the menu). */
  organizations?: number;
  apiLogin?: string;
  seed?: number;
}

export interface SeededIiko {
  apiLogin: string;
  organizationIds: string[];
}

/**
 * Fills the state with a realistic menu: ~290 dishes in a three-level category tree, pizzas
 * and drinks with sizes and a price each, modifier groups (dough: exactly one; sauces: up to
 * three; extras: up to five) with their modifiers, terminal groups, payment types, combos,
 * external menus and price categories.
 */
export function seedIiko(state: IikoState, options: SeedOptions = {}): SeededIiko {
  const rnd = random(options.seed ?? 42);
  const apiLogin = options.apiLogin ?? crypto.randomBytes(16).toString('hex');
  const organizationIds: string[] = [];
  for (let o = 0; o < (options.organizations ?? 1); o++) {
    const org: IikoOrganization = {
      id: rnd.uuid(),
      name: o === 0 ? 'Пицца и суши «Восток»' : `Филиал ${o + 1}`,
      code: `ORG-${o + 1}`,
      revision: 0,
      groups: new Map(),
      products: new Map(),
      sizes: [],
      terminalGroups: [],
      paymentTypes: [],
      combos: [],
      stopLists: new Map(),
      webhook: null,
    };
    seedMenu(org, rnd);
    org.terminalGroups = [
      { id: rnd.uuid(), name: 'Доставка — кухня 1', address: 'Москва, ул. Ленина, 1', inSleep: false },
      { id: rnd.uuid(), name: 'Самовывоз — зал', address: 'Москва, ул. Ленина, 1', inSleep: false },
      { id: rnd.uuid(), name: 'Ночная кухня', address: 'Москва, пр. Мира, 5', inSleep: true },
    ];
    org.paymentTypes = [
      { id: rnd.uuid(), code: 'CASH', name: 'Наличные', kind: 'Cash', isDeleted: false },
      { id: rnd.uuid(), code: 'CARD', name: 'Банковская карта', kind: 'Card', isDeleted: false },
      { id: rnd.uuid(), code: 'SITE', name: 'Оплата на сайте', kind: 'External', isDeleted: false },
      { id: rnd.uuid(), code: 'BONUS', name: 'Бонусы', kind: 'IikoCard', isDeleted: false },
    ];
    const dishes = [...org.products.values()].filter((p) => p.type === 'Dish');
    org.combos = Array.from({ length: 6 }, (_, i) => ({
      sourceActionId: rnd.uuid(),
      name: `Комбо №${i + 1}`,
      priceModification: 100 + i * 50,
      isDeleted: false,
      groups: [
        { id: rnd.uuid(), name: 'Основное', isMainGroup: true, productIds: [rnd.pick(dishes).id, rnd.pick(dishes).id] },
        { id: rnd.uuid(), name: 'Напиток', isMainGroup: false, productIds: [rnd.pick(dishes).id] },
      ],
    }));
    state.organizations.set(org.id, org);
    organizationIds.push(org.id);
  }
  if (!state.externalMenus.length) {
    state.externalMenus = [
      { id: '3214', name: 'Сайт' },
      { id: '3215', name: 'Мобильное приложение' },
    ];
    state.priceCategories = [
      { id: rnd.uuid(), name: 'Доставка' },
      { id: rnd.uuid(), name: 'Зал' },
    ];
  }
  state.addApiLogin(apiLogin, organizationIds);
  return { apiLogin, organizationIds };
}

function seedMenu(org: IikoOrganization, rnd: ReturnType<typeof random>) {
  const bump = () => ++org.revision;
  const sizes = {
    pizza: ['25 см', '30 см', '35 см'].map((name, i) => ({ id: rnd.uuid(), name, priority: i, isDefault: i === 1 })),
    drink: ['0,3 л', '0,5 л'].map((name, i) => ({ id: rnd.uuid(), name, priority: 10 + i, isDefault: i === 0 })),
  };
  org.sizes = [...sizes.pizza, ...sizes.drink];

  const addGroup = (name: string, parentGroup: string | null, order: number, isGroupModifier = false): IikoGroup => {
    const group: IikoGroup = {
      id: rnd.uuid(),
      parentGroup,
      name,
      description: null,
      code: null,
      order,
      isIncludedInMenu: !isGroupModifier,
      isGroupModifier,
      imageLinks: [],
      isDeleted: false,
      revision: bump(),
    };
    org.groups.set(group.id, group);
    return group;
  };
  let code = 1000;
  const addProduct = (
    input: Partial<IikoProduct> & Pick<IikoProduct, 'name' | 'groupId' | 'type' | 'sizePrices'>,
  ): IikoProduct => {
    const product: IikoProduct = {
      id: rnd.uuid(),
      code: String(code++),
      description: null,
      weight: 0.1,
      measureUnit: 'порц',
      order: 0,
      nutrition: { fat: 0, proteins: 0, carbohydrates: 0, energy: 0 },
      modifiers: [],
      groupModifiers: [],
      imageLinks: [],
      tags: [],
      isDeleted: false,
      revision: bump(),
      ...input,
    };
    org.products.set(product.id, product);
    return product;
  };

  // Modifier groups: each is an iiko group with isGroupModifier, its modifiers are products of type Modifier.
  const modifierRoot = addGroup('Модификаторы', null, 100, true);
  const modifierGroup = (name: string, items: [string, number][]) => {
    const group = addGroup(name, modifierRoot.id, 0, true);
    const modifiers = items.map(([n, price], i) =>
      addProduct({
        name: n,
        groupId: group.id,
        type: 'Modifier',
        order: i,
        weight: 0.03,
        sizePrices: [{ sizeId: null, price }],
      }),
    );
    return { group, modifiers };
  };
  const dough = modifierGroup('Тесто', [
    ['Традиционное', 0],
    ['Тонкое', 0],
  ]);
  const sauces = modifierGroup('Соусы', [
    ['Сырный', 49],
    ['Барбекю', 49],
    ['Чесночный', 39],
    ['Кисло-сладкий', 39],
    ['Спайси', 49],
  ]);
  const extras = modifierGroup('Добавки', [
    ['Двойной сыр', 99],
    ['Бекон', 119],
    ['Халапеньо', 59],
    ['Грибы', 69],
    ['Ананас', 69],
    ['Оливки', 59],
  ]);
  const ginger = addProduct({
    name: 'Имбирь и васаби',
    groupId: modifierRoot.id,
    type: 'Modifier',
    sizePrices: [{ sizeId: null, price: 29 }],
  });

  MENU.forEach((top, t) => {
    const topGroup = addGroup(top.name, null, t);
    top.children.forEach((child, c) => {
      const group =
        top.children.length === 1 && child.name === top.name ? topGroup : addGroup(child.name, topGroup.id, c);
      for (let d = 0; d < child.dishes; d++) {
        const name = `${rnd.pick(WORDS)} ${child.name.toLowerCase()} №${d + 1}`;
        const base = rnd.int(19, 89) * 10 - 1;
        const sizePrices: IikoSizePrice[] =
          child.kind === 'pizza'
            ? sizes.pizza.map((s, i) => ({ sizeId: s.id, price: base + i * 150 }))
            : child.kind === 'drink'
              ? sizes.drink.map((s, i) => ({ sizeId: s.id, price: Math.round(base / 3) + i * 40 }))
              : [{ sizeId: null, price: base }];
        const link = (id: string, minAmount: number, maxAmount: number) => ({ id, minAmount, maxAmount });
        addProduct({
          name,
          groupId: group.id,
          type: child.kind === 'drink' ? 'Good' : 'Dish',
          order: d,
          description: `${name}: по рецепту шефа`,
          weight: child.kind === 'drink' ? 0.3 : rnd.int(150, 900) / 1000,
          nutrition: {
            fat: rnd.int(2, 30),
            proteins: rnd.int(2, 25),
            carbohydrates: rnd.int(5, 60),
            energy: rnd.int(80, 320),
          },
          imageLinks: [`https://cdn.iiko.example/images/${code}.jpg`],
          tags: rnd.next() < 0.2 ? ['острое'] : [],
          sizePrices,
          modifiers: top.name === 'Суши и роллы' ? [link(ginger.id, 0, 2)] : [],
          groupModifiers:
            child.kind === 'pizza'
              ? [
                  {
                    ...link(dough.group.id, 1, 1),
                    required: true,
                    childModifiers: dough.modifiers.map((m, i) => ({
                      ...link(m.id, 0, 1),
                      defaultAmount: i === 0 ? 1 : 0,
                    })),
                  },
                  {
                    ...link(extras.group.id, 0, 5),
                    required: false,
                    childModifiers: extras.modifiers.map((m) => link(m.id, 0, 2)),
                  },
                ]
              : child.kind === 'plain' && top.name !== 'Десерты'
                ? [
                    {
                      ...link(sauces.group.id, 0, 3),
                      required: false,
                      childModifiers: sauces.modifiers.map((m) => link(m.id, 0, 2)),
                    },
                  ]
                : [],
        });
      }
    });
  });
}
