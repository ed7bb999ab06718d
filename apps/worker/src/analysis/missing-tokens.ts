/** Tokens read as a missing value, besides an empty field (a subset of pandas' defaults). */
export const MISSING_TOKENS = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];
