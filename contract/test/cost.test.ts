/** The price of writes, per account and per user, as contract/fixtures/cost.json pins it for every part. */
import { describe, expect, it } from 'vitest';
import cost from '../fixtures/cost.json' with { type: 'json' };
import { monthlyFromWindow, monthlyWritesCostUsd, userCost } from '../src/index.ts';

describe('cost of writes', () => {
  it.each(cost.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const accountMonthlyWrites = monthlyFromWindow(c.totalWrites, c.windowSeconds);
    const user = userCost(c.userWrites, c.totalWrites, c.windowSeconds);
    const close = (x: number) => Math.round(x * 1e9) / 1e9;
    expect({
      accountMonthlyWrites: close(accountMonthlyWrites),
      accountMonthlyUsd: close(monthlyWritesCostUsd(accountMonthlyWrites)),
      share: close(user.share),
      userMonthlyWrites: close(user.monthlyWrites),
      userMonthlyUsd: close(user.monthlyUsd),
    }).toEqual(c.result);
  });
});
