import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IngestionPair } from './ingestion.settings';
import { MARKET_DATA_SOURCE, type MarketDataSource, type SourceCallContext } from './source/market-data-source';

/** How long the exchange's symbol list is trusted before it is fetched again (exchangeInfo weighs 20). */
const REFRESH_MS = 60 * 60_000;

/** Which symbols the exchange lists, from exchangeInfo, cached for an hour. */
@Injectable()
export class SymbolCatalog {
  private readonly logger = new Logger(SymbolCatalog.name);
  private listed: ReadonlySet<string> | null = null;
  private fetchedAt = 0;
  private reportedInvalid = new Set<string>();
  private pending: Promise<ReadonlySet<string>> | null = null;

  constructor(@Inject(MARKET_DATA_SOURCE) private readonly source: MarketDataSource) {}

  async isListed(symbol: string, context?: SourceCallContext): Promise<boolean> {
    return (await this.symbols(context)).has(symbol);
  }

  /** The configured pairs the exchange lists; each unlisted symbol is reported once (warn) and skipped. */
  async validPairs(pairs: readonly IngestionPair[], context?: SourceCallContext): Promise<{ valid: IngestionPair[]; invalidSymbols: string[] }> {
    const listed = await this.symbols(context);
    const invalidSymbols = [...new Set(pairs.map((pair) => pair.symbol).filter((symbol) => !listed.has(symbol)))];
    for (const symbol of invalidSymbols) {
      if (this.reportedInvalid.has(symbol)) continue;
      this.reportedInvalid.add(symbol);
      this.logger.warn(`SYMBOLS: ${symbol} is not listed on ${this.source.name} (exchangeInfo); it is skipped, the other symbols are synced`);
    }
    return { valid: pairs.filter((pair) => listed.has(pair.symbol)), invalidSymbols };
  }

  /** Symbols found invalid so far (empty until the list has been fetched). */
  invalidSymbols(pairs: readonly IngestionPair[]): string[] {
    const listed = this.listed;
    if (listed === null) return [];
    return [...new Set(pairs.map((pair) => pair.symbol).filter((symbol) => !listed.has(symbol)))];
  }

  private async symbols(context?: SourceCallContext): Promise<ReadonlySet<string>> {
    if (this.listed !== null && Date.now() - this.fetchedAt < REFRESH_MS) return this.listed;
    this.pending ??= this.source
      .listedSymbols(context)
      .then((listed) => {
        this.listed = listed;
        this.fetchedAt = Date.now();
        return listed;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
