import { binanceErrors, SYMBOL_PATTERN, UNSIGNED_INTEGER_PATTERN } from './binance-errors';

const SYMBOL_REGEX = new RegExp(SYMBOL_PATTERN);
const UNSIGNED_INTEGER_REGEX = new RegExp(UNSIGNED_INTEGER_PATTERN);

/**
 * Query parameters of one request, validated the way Binance does: duplicates are refused (-1101), mandatory ones
 * must be non-empty (-1102), and parameters the endpoint never read are reported at the end (-1104).
 */
export class RequestParameters {
  private readonly readNames = new Set<string>();

  constructor(private readonly search: URLSearchParams) {
    for (const name of new Set(search.keys())) {
      if (search.getAll(name).length > 1) throw binanceErrors.duplicateParameter();
    }
  }

  mandatory(name: string): string {
    this.readNames.add(name);
    const value = this.search.get(name);
    if (value === null || value === '') throw binanceErrors.mandatoryParameterMissing(name);
    return value;
  }

  optional(name: string): string | undefined {
    this.readNames.add(name);
    return this.search.get(name) ?? undefined;
  }

  mandatorySymbol(): string {
    const symbol = this.mandatory('symbol');
    if (!SYMBOL_REGEX.test(symbol)) throw binanceErrors.illegalCharacters('symbol', SYMBOL_PATTERN);
    return symbol;
  }

  /** LONG/INT parameters: digits only, so negatives and empty values are -1100 like on Binance. */
  optionalUnsignedInteger(name: string): number | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (!UNSIGNED_INTEGER_REGEX.test(value)) throw binanceErrors.illegalCharacters(name, UNSIGNED_INTEGER_PATTERN);
    return Number(value);
  }

  assertAllRead(): void {
    const sent = new Set(this.search.keys());
    const read = [...sent].filter((name) => this.readNames.has(name)).length;
    if (read < sent.size) throw binanceErrors.unreadParameters(read, sent.size);
  }
}
