import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Paper and live trading state (src/trading). Every table carries `mode` ('paper' | 'live') so the two never mix.
 * - trading_accounts: the strategy state of one mode × symbol × interval (cash, position, pending order) as JSON,
 *   and the last candle processed: a candle is processed in one transaction with its orders, fills and equity, so a
 *   restart neither replays nor loses one.
 * - trading_orders: one row per decision, keyed by its deterministic client order id (unique per mode).
 * - trading_fills: executions, unique per (mode, client order id, trade id).
 * - trading_trades: closed round trips (entry fill + exit fill).
 * - trading_equity: equity, cash and position value at each processed candle's close.
 * - trading_control: the kill switch (persisted, survives a restart).
 * Times are epoch ms (BIGINT); quantities are Binance's eight-decimal strings; money is DOUBLE.
 */
export class CreateTrading1764130000000 implements MigrationInterface {
  name = 'CreateTrading1764130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const q = (name: string) => (sqlite ? `"${name}"` : `\`${name}\``);
    const key = (length: number) => (sqlite ? 'TEXT' : `VARCHAR(${length}) CHARACTER SET ascii COLLATE ascii_bin`);
    const big = sqlite ? 'INTEGER' : 'BIGINT';
    const real = sqlite ? 'REAL' : 'DOUBLE';
    const text = sqlite ? 'TEXT' : 'MEDIUMTEXT';
    const tail = sqlite ? '' : ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
    const autoId = sqlite ? `${q('id')} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL` : `${q('id')} BIGINT NOT NULL AUTO_INCREMENT`;
    const autoPk = sqlite ? '' : `, PRIMARY KEY (${q('id')})`;

    await queryRunner.query(`CREATE TABLE ${q('trading_accounts')} (
      ${q('mode')} ${key(5)} NOT NULL,
      ${q('symbol')} ${key(20)} NOT NULL,
      ${q('interval')} ${key(3)} NOT NULL,
      ${q('model_id')} ${big} NULL,
      ${q('state')} ${text} NOT NULL,
      ${q('last_candle_open_time')} ${big} NULL,
      ${q('created_at')} ${big} NOT NULL,
      ${q('updated_at')} ${big} NOT NULL,
      PRIMARY KEY (${q('mode')}, ${q('symbol')}, ${q('interval')})
    )${tail}`);

    await queryRunner.query(`CREATE TABLE ${q('trading_orders')} (
      ${autoId},
      ${q('mode')} ${key(5)} NOT NULL,
      ${q('client_order_id')} ${key(36)} NOT NULL,
      ${q('exchange_order_id')} ${key(32)} NULL,
      ${q('symbol')} ${key(20)} NOT NULL,
      ${q('interval')} ${key(3)} NOT NULL,
      ${q('side')} ${key(4)} NOT NULL,
      ${q('type')} ${key(10)} NOT NULL,
      ${q('reason')} ${key(16)} NOT NULL,
      ${q('status')} ${key(16)} NOT NULL,
      ${q('quantity')} ${key(32)} NULL,
      ${q('quote_budget')} ${real} NULL,
      ${q('filled_quantity')} ${key(32)} NOT NULL,
      ${q('avg_fill_price')} ${real} NULL,
      ${q('fee')} ${real} NOT NULL,
      ${q('decided_at')} ${big} NOT NULL,
      ${q('model_id')} ${big} NULL,
      ${q('error')} VARCHAR(500) NULL,
      ${q('created_at')} ${big} NOT NULL,
      ${q('updated_at')} ${big} NOT NULL${autoPk}
    )${tail}`);
    await queryRunner.query(`CREATE UNIQUE INDEX ${q('uq_trading_orders_client_id')} ON ${q('trading_orders')} (${q('mode')}, ${q('client_order_id')})`);
    await queryRunner.query(`CREATE INDEX ${q('ix_trading_orders_mode_status')} ON ${q('trading_orders')} (${q('mode')}, ${q('status')})`);

    await queryRunner.query(`CREATE TABLE ${q('trading_fills')} (
      ${autoId},
      ${q('mode')} ${key(5)} NOT NULL,
      ${q('client_order_id')} ${key(36)} NOT NULL,
      ${q('trade_id')} ${key(32)} NOT NULL,
      ${q('symbol')} ${key(20)} NOT NULL,
      ${q('interval')} ${key(3)} NOT NULL,
      ${q('side')} ${key(4)} NOT NULL,
      ${q('reason')} ${key(16)} NOT NULL,
      ${q('price')} ${real} NOT NULL,
      ${q('quantity')} ${key(32)} NOT NULL,
      ${q('notional')} ${real} NOT NULL,
      ${q('fee')} ${real} NOT NULL,
      ${q('fee_asset')} ${key(16)} NOT NULL,
      ${q('time')} ${big} NOT NULL${autoPk}
    )${tail}`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX ${q('uq_trading_fills_trade')} ON ${q('trading_fills')} (${q('mode')}, ${q('client_order_id')}, ${q('trade_id')})`,
    );

    await queryRunner.query(`CREATE TABLE ${q('trading_trades')} (
      ${q('mode')} ${key(5)} NOT NULL,
      ${q('symbol')} ${key(20)} NOT NULL,
      ${q('interval')} ${key(3)} NOT NULL,
      ${q('entry_time')} ${big} NOT NULL,
      ${q('exit_time')} ${big} NOT NULL,
      ${q('entry_price')} ${real} NOT NULL,
      ${q('exit_price')} ${real} NOT NULL,
      ${q('quantity')} ${key(32)} NOT NULL,
      ${q('pnl')} ${real} NOT NULL,
      ${q('return_pct')} ${real} NOT NULL,
      ${q('fees')} ${real} NOT NULL,
      ${q('exit_reason')} ${key(16)} NOT NULL,
      PRIMARY KEY (${q('mode')}, ${q('symbol')}, ${q('interval')}, ${q('entry_time')})
    )${tail}`);

    await queryRunner.query(`CREATE TABLE ${q('trading_equity')} (
      ${q('mode')} ${key(5)} NOT NULL,
      ${q('symbol')} ${key(20)} NOT NULL,
      ${q('interval')} ${key(3)} NOT NULL,
      ${q('time')} ${big} NOT NULL,
      ${q('equity')} ${real} NOT NULL,
      ${q('cash')} ${real} NOT NULL,
      ${q('position_value')} ${real} NOT NULL,
      PRIMARY KEY (${q('mode')}, ${q('symbol')}, ${q('interval')}, ${q('time')})
    )${tail}`);

    await queryRunner.query(`CREATE TABLE ${q('trading_control')} (
      ${q('id')} ${key(16)} NOT NULL,
      ${q('killed')} ${sqlite ? 'INTEGER' : 'TINYINT(1)'} NOT NULL,
      ${q('reason')} VARCHAR(200) NULL,
      ${q('changed_at')} ${big} NOT NULL,
      PRIMARY KEY (${q('id')})
    )${tail}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = queryRunner.connection.options.type === 'better-sqlite3' ? (name: string) => `"${name}"` : (name: string) => `\`${name}\``;
    for (const table of ['trading_control', 'trading_equity', 'trading_trades', 'trading_fills', 'trading_orders', 'trading_accounts']) {
      await queryRunner.query(`DROP TABLE ${q(table)}`);
    }
  }
}
