/** A connection page's size: `first`/`last` default and bound (also what query costs assume). */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
