import { type Connection, createConnection } from 'mysql2/promise';
import { isLockConflict, retryOnLockConflict } from '../../src/platform/database/transient-errors';
import { freshMysqlDatabase } from '../support/test-database';

/**
 * Two transactions that take the same two row locks in opposite order deadlock on MariaDB: InnoDB rolls one back
 * ("try restarting transaction"). Wrapped in retryOnLockConflict, the victim runs again and both commit.
 */
describe('retryOnLockConflict on a real MariaDB deadlock', () => {
  let url: string;
  const connections: Connection[] = [];

  beforeAll(async () => {
    url = await freshMysqlDatabase('lock_conflict');
    const setup = await createConnection(url);
    await setup.query('CREATE TABLE counters (id INT PRIMARY KEY, value INT NOT NULL) ENGINE=InnoDB');
    await setup.query('INSERT INTO counters VALUES (1, 0), (2, 0)');
    await setup.end();
    connections.push(await createConnection(url), await createConnection(url));
  });

  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.end()));
  });

  it('runs the deadlock victim again so that both transactions commit', async () => {
    let bothHoldTheirFirstLock: () => void = () => undefined;
    const firstLocksTaken = new Promise<void>((resolve) => {
      let taken = 0;
      bothHoldTheirFirstLock = () => {
        if (++taken === 2) resolve();
      };
    });
    const attempts = [0, 0];
    const errors: unknown[] = [];
    // Transaction k locks row k+1 first, then the other row: on the first attempt both wait for each other.
    const transfer = (k: 0 | 1) =>
      retryOnLockConflict(async () => {
        const connection = connections[k];
        attempts[k]++;
        await connection.beginTransaction();
        try {
          await connection.query('UPDATE counters SET value = value + 1 WHERE id = ?', [k + 1]);
          if (attempts[k] === 1) {
            bothHoldTheirFirstLock();
            await firstLocksTaken;
          }
          await connection.query('UPDATE counters SET value = value + 1 WHERE id = ?', [2 - k]);
          await connection.commit();
        } catch (error) {
          errors.push(error);
          await connection.rollback();
          throw error;
        }
      });

    await Promise.all([transfer(0), transfer(1)]);

    expect(errors).toHaveLength(1);
    expect(isLockConflict(errors[0])).toBe(true);
    expect(attempts.sort()).toEqual([1, 2]);
    const [rows] = await connections[0].query('SELECT id, value FROM counters ORDER BY id');
    expect(rows).toEqual([
      { id: 1, value: 2 },
      { id: 2, value: 2 },
    ]);
  });

  it('passes any other error through at once', async () => {
    let attempts = 0;
    const failure = retryOnLockConflict(async () => {
      attempts++;
      await connections[0].query('SELECT * FROM no_such_table');
    });
    await expect(failure).rejects.toThrow(/no_such_table/);
    expect(attempts).toBe(1);
  });
});
