import { Logger } from '@nestjs/common';
import { DatabaseLogger } from './database-logger';

describe('DatabaseLogger', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs a failed bulk statement shortened to one line', () => {
    const errors: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      errors.push(String(message));
    });
    const values = Array.from({ length: 1000 }, (_, i) => `('BTCUSDT','1h',${i})`).join(',');
    new DatabaseLogger().logQueryError(new Error('Connection lost'), `INSERT INTO klines\n  VALUES ${values}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Query failed: Connection lost — INSERT INTO klines VALUES \('BTCUSDT'/);
    expect(errors[0]).toMatch(/… \(\d+ chars\)$/);
    expect(errors[0].length).toBeLessThan(400);
  });

  it('keeps a short statement whole', () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    new DatabaseLogger().logQuerySlow(1500, 'SELECT 1');
    expect(warnings).toEqual(['Slow query (1500 ms): SELECT 1']);
  });
});
